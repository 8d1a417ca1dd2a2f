using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Validation;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Evaluations;

/// <summary>
/// Replace a suite's definition: a new revision. Evaluations keep the revision they were judged by, and
/// regression is only ever measured within one revision. Sending the current definition again changes nothing.
/// </summary>
public sealed record ReviseSuite(
    string? Name, string? Description, IReadOnlyList<SuiteMetricInput>? Metrics, IReadOnlyList<SuiteSliceInput>? Slices) : ISuiteBody
{
    /// <summary>Shape rules; the name, when sent, must be the one in the path (checked by the endpoint).</summary>
    public sealed class Validator : SuiteBodyValidator<ReviseSuite>;

    /// <summary>The response.</summary>
    public sealed record Revised(int Revision);

    /// <summary>Only an existing suite is revised.</summary>
    public static DomainError? Check(string name, Suite? state) =>
        state is null ? DomainError.NotFound($"No evaluation suite named '{name}'; define it with POST /api/v1/evaluation-suites.") : null;

    /// <summary>The next revision; an unchanged definition is not a new revision.</summary>
    public static IReadOnlyList<object> Decide(string name, ReviseSuite command, Suite state, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        var description = command.Description ?? "";
        var metrics = command.ToMetrics();
        var slices = command.ToSlices();
        return state.Current.SameDefinitionAs(description, metrics, slices)
            ? []
            : [new SuiteRevised(name, state.Current.Revision + 1, description, metrics, slices, actor.Name, now)];
    }
}

/// <summary>PUT /api/v1/evaluation-suites/{name}.</summary>
public static class ReviseSuiteEndpoint
{
    /// <summary>The suite's stream.</summary>
    public static string StreamOf(string name) => Suite.StreamId(name);

    /// <summary>The body may repeat the suite's name but not name another; a name no suite can have is not found.</summary>
    public static IResult Before(string name, ReviseSuite command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Name is not null && command.Name != name)
        {
            return DomainError.Invalid("name", $"The body names suite '{command.Name}' but the path names '{name}'.").ToResult();
        }

        return Rules.Slug().IsMatch(name) ? WolverineContinue.Result() : DomainError.NotFound($"No evaluation suite named '{name}'.").ToResult();
    }

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(string name, IEventStream<Folded<Suite>> suite, HttpContext http) =>
        StreamRules.Check(http, suite, (state, _) => ReviseSuite.Check(name, state));

    /// <summary>Revises the suite.</summary>
    [WolverinePut("/api/v1/evaluation-suites/{name}")]
    public static (IResult, Events) Put(
        ReviseSuite command, string name,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Suite>> suite,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, suite, clock, nameof(ReviseSuite),
            (state, now, actor) => ReviseSuite.Decide(name, command, state!, now, actor),
            // Every suite event makes exactly one revision, so the current revision is the stream version.
            after => Results.Ok(new ReviseSuite.Revised(after!.Current.Revision)));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Evaluations").WithName(nameof(ReviseSuite))
            .WithSummary("Revise an evaluation suite: the whole definition, as a new revision (unchanged definitions keep the revision).")
            .Produces<ReviseSuite.Revised>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
