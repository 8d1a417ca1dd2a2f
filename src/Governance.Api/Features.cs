using FluentValidation;
using Governance.Api.Alerts;
using Governance.Api.Audit;
using Governance.Api.Core.Commands;
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
using Governance.Api.Principals;
using Governance.Api.Rotations;
using Governance.Api.Slos;
using Governance.Api.Teams;
using Governance.Api.Promotions;
using Governance.Api.Webhooks;
using Governance.EventLog;
using Governance.EventLog.Projections;
using NodaTime;

namespace Governance.Api;

/// <summary>The feature slices: their events, projections, validators and endpoints, in one place.</summary>
public static class Features
{
    /// <summary>Registers every slice's services; call before the store is built.</summary>
    public static async Task<WebApplicationBuilder> AddGovernanceFeaturesAsync(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IClock>(SystemClock.Instance);
        builder.Services.AddSingleton<CommandExecutor>();
        builder.Services.AddAntiforgery();
        builder.Services.AddValidatorsFromAssemblyContaining<CreatePrincipal.Validator>(ServiceLifetime.Singleton, includeInternalTypes: true);

        builder.Services.AddSingleton<ModelQueries>();
        builder.Services.AddSingleton<RegistryLookups>();
        builder.Services.AddSingleton<DatasetQueries>();
        builder.Services.AddSingleton<IncidentRouting>();
        builder.Services.AddSingleton<IncidentEscalation>();
        builder.Services.AddSingleton<IOperationsCheck>(sp => sp.GetRequiredService<IncidentEscalation>());
        builder.Services.AddSingleton<SloBreachDetector>();
        builder.Services.AddSingleton<IOperationsCheck>(sp => sp.GetRequiredService<SloBreachDetector>());
        builder.Services.AddSingleton<PromotionLookups>();
        builder.Services.AddSingleton<PromotionQueries>();
        builder.Services.AddSingleton<DeploymentQueries>();
        builder.Services.AddSingleton<AuditCursorKey>();

        builder.Services.AddSingleton<IInlineProjection, PrincipalsProjection>();
        builder.Services.AddSingleton<IInlineProjection, ModelsProjection>();
        builder.Services.AddSingleton<IInlineProjection, DatasetsProjection>();
        builder.Services.AddSingleton<IInlineProjection, ExperimentsProjection>();
        builder.Services.AddSingleton<IInlineProjection, ModelVersionsProjection>();
        builder.Services.AddSingleton<IInlineProjection, IncidentsProjection>();
        builder.Services.AddSingleton<IInlineProjection, AlertsProjection>();
        builder.Services.AddSingleton<IInlineProjection, SlosProjection>();
        builder.Services.AddSingleton<IInlineProjection, EvaluationsProjection>();
        builder.Services.AddSingleton<IInlineProjection, PromotionsProjection>();
        builder.Services.AddSingleton<IInlineProjection, DeploymentsProjection>();
        builder.Services.AddSingleton<IStartupTask, BootstrapAdmin>();

        builder.AddWebhooks();
        await builder.AddGovernanceStorageAsync(RegisterEvents);

        // After storage, so migrations have run before the first tick.
        builder.Services.AddHostedService<OperationsMonitor>();
        return builder;
    }

    /// <summary>Every event type the service writes.</summary>
    public static void RegisterEvents(EventLogOptions options)
    {
        Principal.RegisterEvents(options.Registry);
        Model.RegisterEvents(options.Registry);
        Dataset.RegisterEvents(options.Registry);
        Experiment.RegisterEvents(options.Registry);
        ModelVersion.RegisterEvents(options.Registry);
        Rotation.RegisterEvents(options.Registry);
        Incident.RegisterEvents(options.Registry);
        Alert.RegisterEvents(options.Registry);
        Slo.RegisterEvents(options.Registry);
        Suite.RegisterEvents(options.Registry);
        Evaluation.RegisterEvents(options.Registry);
        Promotion.RegisterEvents(options.Registry);
        Deployment.RegisterEvents(options.Registry);

        // The streams commands load through Wolverine's aggregate handler workflow.
        options.Fold<Dataset>();
        options.Fold<Promotion>();
        options.Fold<Deployment>();
        options.Fold<Incident>();
        options.Fold<Suite>();
        options.Fold<Rotation>();
        options.Fold<Alert>();
        options.Fold<Model>();
        options.Fold<ModelVersion>();
        options.Fold<Experiment>();
        options.Fold<Principal>();
        options.Fold<Slo>();
        WebhooksModule.RegisterEvents(options);
    }

    /// <summary>Maps every slice under /api/v1.</summary>
    public static WebApplication MapGovernanceApi(this WebApplication app)
    {
        DocsPages.Map(app);
        var api = app.MapGroup("/api/v1");
        PrincipalView.Map(api);
        ModelQueries.Map(api);
        AddKnowledgeNote.Map(api);
        DatasetQueries.Map(api);
        GetExperiments.Map(api);
        GetModelVersion.Map(api);
        GetLineage.Map(api);
        GetOnCall.Map(api);
        GetIncidents.Map(api);
        GetQueue.Map(api);
        GetShiftReport.Map(api);
        GetAlerts.Map(api);
        GetSlo.Map(api);
        GetModelDoc.Map(api);
        ListAuditEvents.Map(api);
        GetStreamEvents.Map(api);
        VerifyAuditLog.Map(api);
        GetSuites.Map(api);
        GetEvaluations.Map(api);
        PublishPolicy.Map(api);
        PromotionQueries.Map(api);
        DeploymentQueries.Map(api);
        WebhooksModule.Map(api);
        return app;
    }
}
