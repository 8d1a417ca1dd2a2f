using System.Diagnostics;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Errors;
using Governance.EventLog;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Wolverine.Http;

namespace Governance.Api.Core.Commands;

/// <summary>
/// The <c>Validate</c> step of a stream command, run by Wolverine after it has loaded the stream and before the handler:
/// If-Match first (412 wins over any state rule, so a client with a stale copy learns that before anything else), then
/// the slice's pure state rules. A refusal is answered as problem details and nothing is appended.
/// </summary>
public static class StreamRules
{
    /// <summary>The first refusal as problem details, or <see cref="WolverineContinue.NoProblems"/> to go on.</summary>
    public static ProblemDetails Check<T>(HttpContext http, IEventStream<Folded<T>> stream, Func<T?, Actor, DomainError?> rules)
        where T : class, IStreamState<T>
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(rules);
        return Answer(IfMatch.Check(http, stream.Key ?? "", stream.StartingVersion ?? 0)
            ?? rules(stream.Aggregate?.State, Actor.From(http.User)));
    }

    /// <summary>As above, for rules that depend on the service clock (given here, never read inside the rules).</summary>
    public static ProblemDetails Check<T>(HttpContext http, IEventStream<Folded<T>> stream, IClock clock, Func<T?, Instant, Actor, DomainError?> rules)
        where T : class, IStreamState<T>
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(rules);
        return Answer(IfMatch.Check(http, stream.Key ?? "", stream.StartingVersion ?? 0)
            ?? rules(stream.Aggregate?.State, clock.GetCurrentInstant(), Actor.From(http.User)));
    }

    private static ProblemDetails Answer(DomainError? refusal)
    {
        if (refusal is null)
        {
            return WolverineContinue.NoProblems;
        }

        Activity.Current?.SetTag("governance.outcome", "rejected");
        return refusal.ToProblemDetails();
    }
}
