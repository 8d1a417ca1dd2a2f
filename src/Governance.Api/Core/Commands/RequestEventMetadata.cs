using Governance.Api.Core.Auth;
using Governance.EventLog;

namespace Governance.Api.Core.Commands;

/// <summary>
/// The metadata of the request being served, for every event a Marten session appends while serving it: the
/// authenticated principal as the actor, correlation and trace ids, the client's user agent and address.
/// </summary>
public sealed class RequestEventMetadata(IHttpContextAccessor accessor) : ICurrentEventMetadata
{
    /// <inheritdoc />
    public EventMetadata? Current =>
        accessor.HttpContext is { User.Identity.IsAuthenticated: true } http
            ? CommandExecutor.Metadata(http, Actor.From(http.User))
            : null;
}
