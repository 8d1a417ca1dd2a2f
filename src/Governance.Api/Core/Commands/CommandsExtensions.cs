using Governance.Api.Core.Validation;
using JasperFx.CodeGeneration;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Core.Commands;

/// <summary>Commands run on Wolverine: its HTTP endpoints with the aggregate handler workflow over Marten.</summary>
public static class CommandsExtensions
{
    /// <summary>
    /// Wolverine with Marten's transactions: a command's events commit when its endpoint returns. Its generated code is
    /// committed (<c>Internal/Generated</c>, written by <c>codegen write</c>) and loaded as is: no compiler at start-up.
    /// </summary>
    public static WebApplicationBuilder AddGovernanceCommands(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<EventLog.ICurrentEventMetadata, RequestEventMetadata>();
        builder.Host.UseWolverine(opts =>
        {
            opts.ApplicationAssembly = typeof(CommandsExtensions).Assembly;
            opts.Policies.AutoApplyTransactions();
            Nodes.Configure(opts, Nodes.RunBackgroundWork(builder.Configuration));
            opts.CodeGeneration.TypeLoadMode = builder.Configuration.GetValue("Governance:GeneratedCode", TypeLoadMode.Static);
            if (builder.Configuration["Governance:GeneratedCodePath"] is { Length: > 0 } path)
            {
                // Where `codegen write` writes; the staleness test writes elsewhere and compares with what is committed.
                opts.CodeGeneration.GeneratedCodeOutputPath = path;
            }
        });
        builder.Services.AddWolverineHttp();

        // After Wolverine's runtime, whose hosted service UseWolverine has just registered.
        builder.Services.AddHostedService<NodeStart>();
        return builder;
    }

    /// <summary>Maps the Wolverine endpoints, each validated by its body's nested <c>Validator</c>.</summary>
    public static WebApplication MapGovernanceCommands(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapWolverineEndpoints(opts =>
        {
            opts.AddPolicy<RequestRulesPolicy>();
            opts.AddPolicy<FluentValidationPolicy>();
            opts.AddPolicy<StreamCommandPolicy>();
            opts.RequireAuthorizeOnAll();
        });
        return app;
    }

    /// <summary>
    /// Marten's transactions and outbox for Wolverine and, on a node that runs background work, Marten's async projections
    /// run as Wolverine agents: the leader puts each on exactly one such node (<see cref="Nodes"/>).
    /// </summary>
    public static void IntegrateWithCommands(this Marten.MartenServiceCollectionExtensions.MartenConfigurationExpression marten, bool backgroundWork)
    {
        ArgumentNullException.ThrowIfNull(marten);
        // Wolverine's envelopes, nodes and dead letters live beside the log in `governance` (DESIGN §3), so a command's
        // outgoing messages commit in its transaction. Without the distribution (a requests-only node) Marten's daemon
        // stays disabled: nothing registers it.
        marten.IntegrateWithWolverine(integration => integration.UseWolverineManagedEventSubscriptionDistribution = backgroundWork);
    }
}
