using Governance.Api;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Health;
using Governance.Api.Core.Idempotency;
using Governance.Api.Core.Json;
using Governance.Api.Core.OpenApi;
using Governance.Api.Core.Requests;
using Governance.Api.Core.Telemetry;
using Governance.Api.PipelineRuns;
using Governance.EventLog.Embedded;
using Governance.EventLog.Import;
using JasperFx;

// --demo seeds a realistic story through the API once the server listens; `projections --rebuild` rebuilds and exits.
var demo = args.Contains("--demo");
var rebuild = ProjectionsCommand.IsRequested(args);
var builder = WebApplication.CreateBuilder([.. ProjectionsCommand.HostArguments(args).Where(a => a is not ("--demo" or "--help" or "-h"))]);
if (CommandLineHelp.IsRequested(args))
{
    Console.Write(CommandLineHelp.Text(builder.Configuration));
    return 0;
}

if (rebuild)
{
    if (ProjectionsCommand.Problem(args) is { } usage)
    {
        await Console.Error.WriteLineAsync(usage);
        return 1;
    }

    ProjectionsCommand.Configure(builder);
}

builder.AddGovernanceJson();
builder.AddGovernanceProblems();
builder.AddGovernanceAuth();
builder.AddGovernanceIdempotency();
builder.AddGovernanceTelemetry();
builder.AddGovernanceOpenApi();
builder.AddGovernanceCommands();
try
{
    await builder.AddGovernanceFeaturesAsync();
}
catch (EmbeddedPostgresException e)
{
    // One line a person can act on (which process holds the folder, how to choose another), not a stack trace.
    await Console.Error.WriteLineAsync(e.Message);
    return 1;
}

var app = builder.Build();
if (rebuild)
{
    return await ProjectionsCommand.RunAsync(app, Console.Out, Console.Error);
}

app.UseGovernanceProblems();
app.UseCompressedBodies();
app.UseGovernanceEmptyBodies();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.UseGovernanceRequestRules();
app.UseGovernanceIdempotency();
app.MapGovernanceHealth();
app.MapGovernanceOpenApi();
app.MapGovernanceApi();
app.MapGovernanceCommands();
if (args is ["codegen", ..])
{
    // Wolverine's generated handler code, committed under Internal/Generated: `codegen write` after changing an endpoint.
    return await app.RunJasperFxCommands(args);
}

app.AnnounceOnStart();
if (demo)
{
    Governance.Api.Demo.DemoStory.RunOnStart(app);
}

try
{
    await app.RunAsync();
}
catch (LegacyImportRefusedException e)
{
    // The previous store's log could not be imported faithfully; nothing was written (docs/upgrading.md).
    await Console.Error.WriteLineAsync(e.Message);
    return 1;
}

return 0;

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
