namespace Governance.Api.Audit;

/// <summary>The audit feed, a stream's events and the verification of the log.</summary>
public static class AuditModule
{
    public static void AddAudit(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<AuditCursorKey>();
    }

    public static void MapAudit(this WebApplication app)
    {
        var api = app.MapApi();
        ListAuditEvents.Map(api);
        GetStreamEvents.Map(api);
        VerifyAuditLog.Map(api);
    }
}
