using FluentValidation;
using Governance.Api.Alerts;
using Governance.Api.Audit;
using Governance.Api.Core.Storage;
using Governance.Api.Datasets;
using Governance.Api.Deployments;
using Governance.Api.Docs;
using Governance.Api.Evaluations;
using Governance.Api.Experiments;
using Governance.Api.Incidents;
using Governance.Api.Lineage;
using Governance.Api.Models;
using Governance.Api.ModelVersions;
using Governance.Api.PipelineRuns;
using Governance.Api.Principals;
using Governance.Api.Promotions;
using Governance.Api.Rotations;
using Governance.Api.Slos;
using Governance.Api.Teams;
using Governance.Api.Web;
using Governance.Api.Webhooks;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api;

/// <summary>The feature slices, one module each (in its folder): its services, its events and streams, its endpoints.</summary>
public static class Features
{
    /// <summary>Every module, one line each. Inline read models run, and operations checks tick, in the order their modules add them.</summary>
    public static IReadOnlyList<FeatureModule> Modules { get; } =
    [
        new(PrincipalsModule.AddPrincipals, PrincipalsModule.RegisterEvents, PrincipalsModule.MapPrincipals),
        new(ModelsModule.AddModels, ModelsModule.RegisterEvents, ModelsModule.MapModels),
        new(DatasetsModule.AddDatasets, DatasetsModule.RegisterEvents, DatasetsModule.MapDatasets),
        new(ExperimentsModule.AddExperiments, ExperimentsModule.RegisterEvents, ExperimentsModule.MapExperiments),
        new(ModelVersionsModule.AddModelVersions, ModelVersionsModule.RegisterEvents, ModelVersionsModule.MapModelVersions),
        new(Events: RotationsModule.RegisterEvents, Map: RotationsModule.MapRotations),
        new(IncidentsModule.AddIncidents, IncidentsModule.RegisterEvents, IncidentsModule.MapIncidents),
        new(AlertsModule.AddAlerts, AlertsModule.RegisterEvents, AlertsModule.MapAlerts),
        new(SlosModule.AddSlos, SlosModule.RegisterEvents, SlosModule.MapSlos),
        new(EvaluationsModule.AddEvaluations, EvaluationsModule.RegisterEvents, EvaluationsModule.MapEvaluations),
        new(PromotionsModule.AddPromotions, PromotionsModule.RegisterEvents, PromotionsModule.MapPromotions),
        new(DeploymentsModule.AddDeployments, DeploymentsModule.RegisterEvents, DeploymentsModule.MapDeployments),
        new(PipelineRunsModule.AddPipelineRuns, PipelineRunsModule.RegisterEvents),
        new(WebhooksModule.AddWebhooks, WebhooksModule.RegisterEvents, WebhooksModule.MapWebhooks),
        new(Map: LineageModule.MapLineage),
        new(Map: TeamsModule.MapTeams),
        new(DocsModule.AddDocs, Map: DocsModule.MapDocs),
        new(AuditModule.AddAudit, Map: AuditModule.MapAudit),
        new(WebModule.AddWeb, Map: WebModule.MapWeb),
    ];

    /// <summary>Registers storage and every module's services; call before the app is built.</summary>
    public static async Task<WebApplicationBuilder> AddGovernanceFeaturesAsync(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IClock>(SystemClock.Instance);
        builder.Services.AddAntiforgery();
        builder.Services.AddValidatorsFromAssembly(typeof(Features).Assembly, ServiceLifetime.Singleton, includeInternalTypes: true);
        await builder.AddGovernanceStorageAsync(RegisterEvents);

        // After storage, so a module's hosted services start once the migrations have run.
        foreach (var module in Modules)
        {
            module.Add?.Invoke(builder);
        }

        return builder;
    }

    /// <summary>Every event type the service writes, and the streams commands load through Wolverine's aggregate handler workflow.</summary>
    public static void RegisterEvents(EventLogOptions options)
    {
        foreach (var module in Modules)
        {
            module.Events?.Invoke(options);
        }
    }

    /// <summary>Maps every module's queries and pages (commands are Wolverine endpoints, mapped by <c>MapGovernanceCommands</c>).</summary>
    public static WebApplication MapGovernanceApi(this WebApplication app)
    {
        foreach (var module in Modules)
        {
            module.Map?.Invoke(app);
        }

        return app;
    }

    /// <summary>The group the API's minimal endpoints are mapped in.</summary>
    public static RouteGroupBuilder MapApi(this IEndpointRouteBuilder app) => app.MapGroup("/api/v1");
}

/// <summary>What one feature registers: its services, its events and streams, its endpoints (each optional).</summary>
public sealed record FeatureModule(
    Action<WebApplicationBuilder>? Add = null,
    Action<EventLogOptions>? Events = null,
    Action<WebApplication>? Map = null);
