using System.Globalization;
using System.Text;
using Governance.Api.Core.Storage;

namespace Governance.Api;

/// <summary>
/// `--help`: what the service can be told and what it would use now, printed before anything starts (no database, no
/// data directory, no port), so asking never disturbs a running instance.
/// </summary>
public static class CommandLineHelp
{
    /// <summary>Whether the arguments ask for help.</summary>
    public static bool IsRequested(IReadOnlyCollection<string> args) => args.Contains("--help") || args.Contains("-h");

    /// <summary>The help text, with the values in force under <paramref name="configuration"/>.</summary>
    public static string Text(IConfiguration configuration)
    {
        string Now(string key, string fallback) => configuration[key] is { Length: > 0 } value ? value : fallback;
        var connection = string.IsNullOrWhiteSpace(configuration.GetConnectionString("Governance"))
            ? "not set (the embedded PostgreSQL runs in the data directory)"
            : "set";
        var adminKey = configuration["GOVERNANCE_ADMIN_KEY"] is { Length: > 0 }
            ? "set"
            : $"not set (generated into {Path.Combine(StorageExtensions.DataDirectory(configuration), "admin.key")})";

        var text = new StringBuilder();
        text.AppendLine("Governance: event-sourced model governance service.");
        text.AppendLine();
        text.AppendLine("Usage: dotnet run --project src/Governance.Api [-- <options>]");
        text.AppendLine("       dotnet Governance.Api.dll [<options>]");
        text.AppendLine("       dotnet run --project src/Governance.Api -- projections --rebuild");
        text.AppendLine();
        text.AppendLine("Commands:");
        text.AppendLine("  projections --rebuild  rebuild every projection from the event log and exit: the inline read models in one");
        text.AppendLine("                         transaction, then Marten's projections (model documents); same storage settings as the");
        text.AppendLine("                         service. Stop the service first: its data directory (or tables) cannot be shared.");
        text.AppendLine();
        text.AppendLine("Options:");
        text.AppendLine("  --demo          seed the fraud-detector story through the API once the server listens (once per data)");
        text.AppendLine($"  --urls <urls>   where to listen, ';'-separated (also ASPNETCORE_URLS); now {Now("urls", "http://localhost:5000")}");
        text.AppendLine("  -h, --help      print this and exit, starting nothing");
        text.AppendLine();
        text.AppendLine("Settings: environment variables as below, or the same keys with ':' for '__' in appsettings.json");
        text.AppendLine("or on the command line (--Governance:DataDirectory=/srv/governance).");
        text.AppendLine();
        void Setting(string name, string purpose, string now)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {name,-38} {purpose}");
            text.AppendLine(CultureInfo.InvariantCulture, $"  {"",-38} now: {now}");
        }

        Setting("Governance__DataDirectory", "the embedded PostgreSQL and the generated admin key; one running service per folder",
            StorageExtensions.DataDirectory(configuration));
        Setting("ConnectionStrings__Governance", "an existing PostgreSQL server instead of the embedded one (Host=…;Database=…;…)", connection);
        Setting("GOVERNANCE_ADMIN_KEY", "the bootstrap admin's API key", adminKey);
        Setting("Governance__BackgroundWork", "false: this node only answers requests (no projections, no scheduled work); the older Governance__RunDaemon=false means the same",
            Core.Commands.Nodes.RunBackgroundWork(configuration) ? "true" : "false");
        Setting("Governance__DaemonPollIntervalMs", "how often Marten's daemon looks for new events", Now("Governance:DaemonPollIntervalMs", "100"));
        Setting("Governance__Import__AcceptBrokenLegacyChains", "import a previous store's log even where its hash chains do not verify (docs/upgrading.md)", Now("Governance:Import:AcceptBrokenLegacyChains", "false"));
        Setting("Governance__GroupCommit__Writers", "writers that share transactions among new streams", Now("Governance:GroupCommit:Writers", "2"));
        Setting("Governance__GroupCommit__MaxAppends", "appends per shared transaction", Now("Governance:GroupCommit:MaxAppends", "64"));
        Setting("Governance__OperationsIntervalSeconds", "how often the escalation sweep and the SLO checks run (on one node)", Now("Governance:OperationsIntervalSeconds", "30"));
        Setting("Governance__MaxRequestBodyBytes", "the largest request body accepted", Now("Governance:MaxRequestBodyBytes", "1048576"));
        Setting("OTEL_EXPORTER_OTLP_ENDPOINT", "export traces and metrics over OTLP", Now("OTEL_EXPORTER_OTLP_ENDPOINT", "not set"));
        Setting("OTEL_SERVICE_NAME", "the service name in telemetry", Now("OTEL_SERVICE_NAME", "governance"));
        return text.ToString();
    }
}
