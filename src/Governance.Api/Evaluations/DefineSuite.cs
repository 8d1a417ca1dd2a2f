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

/// <summary>Define a new evaluation suite: the standard every evaluation of a model is judged by. Revision 1.</summary>
public sealed record DefineSuite(
    string Name, string? Description, IReadOnlyList<SuiteMetricInput>? Metrics, IReadOnlyList<SuiteSliceInput>? Slices) : ISuiteBody
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : SuiteBodyValidator<DefineSuite>
    {
        public Validator() => RuleFor(c => c.Name).IsSlug();
    }

    /// <summary>The response.</summary>
    public sealed record Defined(string Name, int Revision);

    /// <summary>A name is defined once; later changes are revisions.</summary>
    public static DomainError? Check(DefineSuite command, Suite? state) =>
        state is null
            ? null
            : DomainError.Conflict(
                $"A suite named '{command.Name}' already exists (revision {state.Current.Revision}); revise it with PUT /api/v1/evaluation-suites/{command.Name}.");

    /// <summary>Revision 1, by whoever defined it.</summary>
    public static IReadOnlyList<object> Decide(DefineSuite command, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        return [new SuiteDefined(command.Name, 1, command.Description ?? "", command.ToMetrics(), command.ToSlices(), actor.Name, now)];
    }
}

/// <summary>POST /api/v1/evaluation-suites.</summary>
public static class DefineSuiteEndpoint
{
    /// <summary>The suite's stream.</summary>
    public static string StreamOf(DefineSuite command) => Suite.StreamId(command.Name);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(DefineSuite command, IEventStream<Folded<Suite>> suite, HttpContext http) =>
        StreamRules.Check(http, suite, (state, _) => DefineSuite.Check(command, state));

    /// <summary>Defines revision 1.</summary>
    [WolverinePost("/api/v1/evaluation-suites")]
    public static (IResult, Events) Post(
        DefineSuite command,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Suite>> suite,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, suite, clock, nameof(DefineSuite),
            (_, now, actor) => DefineSuite.Decide(command, now, actor),
            _ => Results.Created($"/api/v1/evaluation-suites/{command.Name}", new DefineSuite.Defined(command.Name, 1)));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Evaluations").WithName(nameof(DefineSuite))
            .WithSummary("Define an evaluation suite: metrics with thresholds, directions and regression limits, and slices.")
            .Produces<DefineSuite.Defined>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
