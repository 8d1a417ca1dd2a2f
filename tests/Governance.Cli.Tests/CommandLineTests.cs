using System.CommandLine;
using Governance.Cli.Core;
using Governance.Cli.Tests.Harness;

namespace Governance.Cli.Tests;

/// <summary>What gov decides before it sends anything: help, usage errors, durations, metric files, where the key comes from.</summary>
public sealed class CommandLineTests
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    private static async Task<GovRun> Offline(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        // No service anywhere: a usage error must be found before any request is made.
        var code = await Cli.RunAsync(args, new CliContext(output, error, new Dictionary<string, string?> { ["GOV_URL"] = "http://127.0.0.1:9" })
        {
            WorkingDirectory = GovRunner.NewFolder(),
        });
        return new GovRun(code, output.ToString(), error.ToString());
    }

    public static TheoryData<string> CommandPaths() => [.. AllCommandPaths()];

    private static List<string> AllCommandPaths()
    {
        var data = new List<string>();
        var pending = new Stack<(Command Command, string Path)>();
        pending.Push((Cli.Build(new CliContext(TextWriter.Null, TextWriter.Null, NoEnvironment)), ""));
        while (pending.TryPop(out var item))
        {
            data.Add(item.Path);
            foreach (var child in item.Command.Subcommands)
            {
                pending.Push((child, (item.Path + " " + child.Name).Trim()));
            }
        }

        return data;
    }

    [Fact]
    public void every_command_of_the_design_is_there()
    {
        var paths = AllCommandPaths().ToHashSet();
        string[] design =
        [
            "models register", "datasets register", "versions register", "evaluate", "promote", "approve", "reject", "deploy", "rollback",
            "deployments", "lineage", "docs", "audit verify",
        ];
        foreach (var command in design)
        {
            paths.ShouldContain(command);
        }
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public async Task every_command_answers_help_with_an_example(string path)
    {
        var run = (await Offline([.. path.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"])).ShouldExit(ExitCodes.Done);
        run.Out.ShouldContain("Example: ");
        run.Out.ShouldContain("Usage:");
        run.Err.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("promote fraud 1.0.0", "Option '--to' is required.")]
    [InlineData("nonsense", "nonsense")]
    [InlineData("models", "Required command was not provided.")]
    [InlineData("promote fraud 1.0.0 --to shadow --justification x --wait --timeout soon", "'soon' is not a duration for --timeout")]
    [InlineData("promote fraud 1.0.0 --to shadow --justification x --timeout 5m", "--timeout only applies with --wait.")]
    [InlineData("deployments fraud --output yaml", "'yaml'")]
    [InlineData("lineage model:fraud@1 --direction sideways", "'sideways'")]
    [InlineData("lineage model:fraud@1 --depth deep", "deep")]
    [InlineData("datasets register txns v1 --uri s3://x --digest sha256:1 --rows many", "many")]
    public async Task a_wrong_command_line_is_a_usage_error_with_the_reason_and_where_to_look(string commandLine, string reason)
    {
        var run = (await Offline(commandLine.Split(' '))).ShouldExit(ExitCodes.Usage);
        run.Err.ShouldContain(reason);
        run.Err.ShouldContain("--help' for usage and an example.");
        run.Out.ShouldBeEmpty();
        run.Err.ShouldNotContain("cannot reach", Case.Insensitive);
    }

    [Fact]
    public async Task a_service_url_that_is_not_http_is_a_usage_error()
    {
        var run = (await Offline("audit", "verify", "--url", "ftp://example.com")).ShouldExit(ExitCodes.Usage);
        run.Err.ShouldBe("The service URL (--url) must be an http(s) URL such as http://127.0.0.1:5080; got 'ftp://example.com'." + Environment.NewLine);
    }

    [Fact]
    public async Task an_unreachable_service_is_an_error_that_says_so()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var run = (await Offline("deployments", "fraud", "--url", $"http://127.0.0.1:{port}", "--token", "k")).ShouldExit(ExitCodes.Error);
        run.Err.ShouldStartWith($"cannot reach http://127.0.0.1:{port}: is the service running?");
        run.Err.ShouldNotContain("   at ");
    }

    [Theory]
    [InlineData("30m", 30 * 60)]
    [InlineData("90s", 90)]
    [InlineData("2h", 2 * 3600)]
    [InlineData("1h30m", 90 * 60)]
    [InlineData("1d", 86400)]
    [InlineData("PT30M", 30 * 60)]
    [InlineData("pt1h", 3600)]
    [InlineData("P1DT2H", 26 * 3600)]
    [InlineData("0s", 0)]
    public void timeouts_read_as_people_write_them(string text, int seconds)
    {
        Durations.TryParse(text, out var value).ShouldBeTrue();
        value.ShouldBe(TimeSpan.FromSeconds(seconds));
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("soon")]
    [InlineData("m30")]
    [InlineData("30m 10s")]
    [InlineData("PT")]
    [InlineData("-PT5M")]
    public void anything_else_is_not_a_timeout(string text) => Durations.TryParse(text, out _).ShouldBeFalse();

    [Fact]
    public void metrics_are_read_flat_as_training_jobs_write_them()
    {
        var folder = GovRunner.NewFolder();
        var file = JsonFiles.ReadMetrics(GovRunner.WriteFile(folder, "m.json", """{"auc": 0.93, "latency_ms": 38}"""), "--metrics");
        file.Metrics.ShouldBe(new Dictionary<string, double> { ["auc"] = 0.93, ["latency_ms"] = 38 });
        file.Slices.ShouldBeNull();
    }

    [Fact]
    public void metrics_are_also_read_wrapped_with_slices_and_product_metrics_and_other_fields_ignored()
    {
        var folder = GovRunner.NewFolder();
        var file = JsonFiles.ReadMetrics(GovRunner.WriteFile(folder, "m.json", """
            {"run": "nightly-42", "epoch": 7,
             "metrics": {"auc": 0.93},
             "slices": {"new-customers": {"auc": 0.88}},
             "productMetrics": {"approval_rate": 0.97}}
            """), "--metrics");
        file.Metrics.ShouldBe(new Dictionary<string, double> { ["auc"] = 0.93 });
        file.Slices!["new-customers"]["auc"].ShouldBe(0.88);
        file.ProductMetrics!["approval_rate"].ShouldBe(0.97);
    }

    [Theory]
    [InlineData("""{"auc": "0.93"}""", "'auc' is the text \"0.93\", not a number.")]
    [InlineData("""{"auc": null}""", "'auc' is null, not a number.")]
    [InlineData("""{"metrics": {"auc": true}}""", "'metrics.auc' is true, not a number.")]
    [InlineData("""[0.93]""", "expected a JSON object ({ … }), found an array.")]
    [InlineData("""{"auc": NaN}""", "not valid JSON")]
    public void a_metrics_file_that_is_not_numbers_names_the_file_and_the_value(string content, string reason)
    {
        var path = GovRunner.WriteFile(GovRunner.NewFolder(), "m.json", content);
        var failure = Should.Throw<CliException>(() => JsonFiles.ReadMetrics(path, "--metrics"));
        failure.Message.ShouldStartWith($"--metrics {path}: ");
        failure.Message.ShouldContain(reason);
        failure.ExitCode.ShouldBe(ExitCodes.Error);
    }

    [Fact]
    public void slices_are_read_plain_or_wrapped()
    {
        var folder = GovRunner.NewFolder();
        JsonFiles.ReadSlices(GovRunner.WriteFile(folder, "a.json", """{"eu": {"auc": 0.9}}"""), "--slices")["eu"]["auc"].ShouldBe(0.9);
        JsonFiles.ReadSlices(GovRunner.WriteFile(folder, "b.json", """{"slices": {"eu": {"auc": 0.8}}}"""), "--slices")["eu"]["auc"].ShouldBe(0.8);
        Should.Throw<CliException>(() => JsonFiles.ReadSlices(GovRunner.WriteFile(folder, "c.json", """{"eu": 0.9}"""), "--slices"))
            .Message.ShouldContain("slice 'eu' must be an object of metrics");
    }

    [Fact]
    public void the_key_file_is_found_in_the_nearest_parent_for_a_service_on_this_machine()
    {
        var root = GovRunner.NewFolder();
        Directory.CreateDirectory(Path.Combine(root, ".governance"));
        File.WriteAllText(Path.Combine(root, ".governance", "admin.key"), "gov_from-file\n");
        var nested = Directory.CreateDirectory(Path.Combine(root, "src", "model")).FullName;
        var context = new CliContext(TextWriter.Null, TextWriter.Null, NoEnvironment) { WorkingDirectory = nested };

        var local = Connection.Resolve(null, null, context);
        local.Token.ShouldBe("gov_from-file");
        local.ServiceUrl.ShouldBe(new Uri(Connection.DefaultUrl));

        // Never to another machine: that key is an admin's.
        Connection.Resolve("https://governance.example.com", null, context).Token.ShouldBeNull();
    }

    [Fact]
    public void flags_win_over_the_environment_which_wins_over_the_key_file()
    {
        var root = GovRunner.NewFolder();
        Directory.CreateDirectory(Path.Combine(root, ".governance"));
        File.WriteAllText(Path.Combine(root, ".governance", "admin.key"), "gov_from-file");
        var context = new CliContext(TextWriter.Null, TextWriter.Null,
            new Dictionary<string, string?> { ["GOV_URL"] = "http://127.0.0.1:7000", ["GOV_TOKEN"] = "gov_from-env" }) { WorkingDirectory = root };

        Connection.Resolve(null, null, context).ShouldBe(new Connection(new Uri("http://127.0.0.1:7000"), "gov_from-env", "GOV_TOKEN"));
        var flagged = Connection.Resolve("http://127.0.0.1:7001/", "gov_from-flag", context);
        flagged.Token.ShouldBe("gov_from-flag");
        flagged.ApiRoot.ShouldBe(new Uri("http://127.0.0.1:7001/api/v1/"));
        Connection.Resolve("http://host:5080/api/v1", null, context).ApiRoot.ShouldBe(new Uri("http://host:5080/api/v1/"));
    }

    [Theory]
    [InlineData(401, ExitCodes.NotAllowed)]
    [InlineData(403, ExitCodes.NotAllowed)]
    [InlineData(409, ExitCodes.Refused)]
    [InlineData(422, ExitCodes.Refused)]
    [InlineData(400, ExitCodes.Error)]
    [InlineData(404, ExitCodes.Error)]
    [InlineData(500, ExitCodes.Error)]
    [InlineData(503, ExitCodes.Error)]
    public void statuses_map_to_the_exit_codes_of_the_contract(int status, int exit) => ExitCodes.ForStatus(status).ShouldBe(exit);
}
