using Governance.Api.Core.Auth;
using Governance.EventLog;
using Governance.EventLog.Guarantees;

namespace Governance.Api.Audit;

/// <summary>GET /audit/verify: recomputes every stream's hash chain.</summary>
public static class VerifyAuditLog
{
    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/audit/verify", async (IEventStore store, CancellationToken ct) => Results.Ok(await store.VerifyHashChainsAsync(ct)))
            .RequireRole(Roles.Viewer)
            .WithName("VerifyAuditLog")
            .WithSummary("Recompute every hash chain: {verified, streams, events, broken[]}.")
            .Produces<HashChainReport>();
}
