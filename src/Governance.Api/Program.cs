using Governance.Api;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Health;
using Governance.Api.Core.Json;
using Governance.Api.Core.OpenApi;
using Governance.Api.Core.Requests;
using Governance.Api.Core.Telemetry;

// --demo seeds a realistic story through the API once the server listens.
var demo = args.Contains("--demo");
var builder = WebApplication.CreateBuilder([.. args.Where(a => a != "--demo")]);
builder.AddGovernanceJson();
builder.AddGovernanceProblems();
builder.AddGovernanceAuth();
builder.AddGovernanceTelemetry();
builder.AddGovernanceOpenApi();
await builder.AddGovernanceFeaturesAsync();

var app = builder.Build();
app.UseGovernanceProblems();
app.UseGovernanceEmptyBodies();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.UseGovernanceRequestRules();
app.MapGovernanceHealth();
app.MapGovernanceOpenApi();
app.MapGovernanceApi();
app.AnnounceOnStart();
if (demo)
{
    Governance.Api.Demo.DemoStory.RunOnStart(app);
}

await app.RunAsync();

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
