using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Json;
using Governance.Api.Core.Requests;
using Governance.Api.Core.Validation;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.Models;

/// <summary>One stage's rules as sent; anything left out takes the default.</summary>
public sealed record StagePolicyBody(
    int? RequiredApprovals, IReadOnlyList<string>? ApproverRoles, IReadOnlyList<string>? RequiredSuites, string? BlockOnIncidentSeverity,
    Duration? MinSoak, bool? AllowSelfApproval, bool? AutoDeploy);

/// <summary>Publish a model's promotion policy (policy as code, JSON or YAML): a new revision that judges every promotion from now on.</summary>
public sealed record PublishPolicy(IReadOnlyDictionary<string, StagePolicyBody>? Stages)
{
    /// <summary>Most approvals a stage can ask for.</summary>
    public const int MaxApprovals = 1000;

    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<PublishPolicy>
    {
        public Validator()
        {
            RuleFor(c => c.Stages).NotNull().WithMessage("'stages' maps stage names to their rules.")
                .Must(s => s is null || s.Count <= 20).WithMessage("At most 20 stages.");
            // Keyed by stage name (stages[production].minSoak), the way a client wrote the map.
            RuleFor(c => c.Stages).Custom((stages, context) =>
            {
                foreach (var (stage, body) in stages ?? new Dictionary<string, StagePolicyBody>())
                {
                    var at = $"stages[{(stage.Length > 63 ? stage[..63] + "…" : stage)}]";
                    if (!Rules.Slug().IsMatch(stage))
                    {
                        context.AddFailure(at, "Stage names are slugs.");
                    }

                    if (body is null)
                    {
                        context.AddFailure(at, "Each stage needs its rules (an empty object takes the defaults).");
                        continue;
                    }

                    if (body.RequiredApprovals is < 1 or > MaxApprovals)
                    {
                        context.AddFailure($"{at}.requiredApprovals", $"'requiredApprovals' is between 1 and {MaxApprovals}.");
                    }

                    if (body.ApproverRoles is { } roles && (roles.Count == 0 || !roles.All(Roles.All.Contains)))
                    {
                        context.AddFailure($"{at}.approverRoles", $"'approverRoles' names at least one of: {string.Join(", ", Roles.All)}.");
                    }

                    if (body.RequiredSuites is { } suites && (suites.Count > 50 || !suites.All(n => n is not null && Rules.Slug().IsMatch(n))))
                    {
                        context.AddFailure($"{at}.requiredSuites", "'requiredSuites' are suite names (slugs), at most 50.");
                    }

                    if (body.BlockOnIncidentSeverity is { } severity && !Severity.IsKnown(severity))
                    {
                        context.AddFailure($"{at}.blockOnIncidentSeverity", "'blockOnIncidentSeverity' is one of SEV1, SEV2, SEV3, SEV4.");
                    }

                    if (body.MinSoak is { } soak && (soak < Duration.Zero || soak > Duration.FromDays(366)))
                    {
                        context.AddFailure($"{at}.minSoak", "'minSoak' is a duration between PT0S and P366D.");
                    }
                }
            });
        }
    }

    /// <summary>The response.</summary>
    public sealed record Published(string Model, int Revision);

    /// <summary>State rules: the model exists, and a policy names only its stages.</summary>
    public static DomainError? Check(PublishPolicy command, string key, Model? state)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (state is null)
        {
            return DomainError.NotFound($"No model '{key}'.");
        }

        return command.Stages?.Keys.FirstOrDefault(s => !state.Stages.Contains(s)) is { } unknown
            ? DomainError.Unprocessable($"Model '{key}' has no stage '{unknown}'; its stages are {string.Join(", ", state.Stages)}.", $"stages[{unknown}]")
            : null;
    }

    /// <summary>The next revision, every stage spelt out in the event with defaults filled in (<see cref="Check"/> has let it through).</summary>
    public static IReadOnlyList<object> Decide(PublishPolicy command, string key, Model state, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        var given = command.Stages ?? new Dictionary<string, StagePolicyBody>();
        var stages = new Dictionary<string, StagePolicy>(StringComparer.Ordinal);
        for (var i = 0; i < state.Stages.Count; i++)
        {
            var stage = state.Stages[i];
            var defaults = StagePolicy.Default(i == state.Stages.Count - 1);
            stages[stage] = given.TryGetValue(stage, out var body) && body is not null
                ? new StagePolicy(
                    body.RequiredApprovals ?? defaults.RequiredApprovals,
                    body.ApproverRoles is { Count: > 0 } roles ? [.. roles.Distinct()] : defaults.ApproverRoles,
                    body.RequiredSuites is { } suites ? [.. suites.Distinct()] : defaults.RequiredSuites,
                    body.BlockOnIncidentSeverity?.ToUpperInvariant() ?? defaults.BlockOnIncidentSeverity,
                    body.MinSoak ?? defaults.MinSoak,
                    body.AllowSelfApproval ?? defaults.AllowSelfApproval,
                    body.AutoDeploy ?? defaults.AutoDeploy)
                : defaults;
        }

        return [new ModelPolicyPublished(key, state.Policies.Count + 1, stages, actor.Name, now)];
    }

    /// <summary>GET /api/v1/models/{key}/policy (publishing one is <see cref="PublishPolicyEndpoint"/>).</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/models/{key}/policy", async (string key, Governance.EventLog.IEventStore store, CancellationToken ct, int? revision = null) =>
            {
                if (await store.AggregateStreamAsync<Model>(Model.StreamId(key), ct: ct) is not { } model)
                {
                    return DomainError.NotFound($"No model '{key}'.").ToResult();
                }

                return (revision is null ? model.State.Policy : model.State.PolicyRevision(revision.Value)) is { } policy
                    ? Results.Ok(policy)
                    : DomainError.NotFound($"Model '{key}' has no policy revision {revision}.").ToResult();
            })
            .RequireRole(Roles.Viewer)
            .WithTags("Models").WithName("GetPolicy").WithStreamETag("key", Model.StreamId, answersNotModified: true)
            .WithSummary("The model's policy in force (revision 0 is the defaults), or a past revision.")
            .Produces<ModelPolicy>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }
}

/// <summary>PUT /api/v1/models/{key}/policy.</summary>
public static class PublishPolicyEndpoint
{
    /// <summary>The model's stream.</summary>
    public static string StreamOf(string key) => Model.StreamId(key);

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(PublishPolicy command, string key, IEventStream<Folded<Model>> model, HttpContext http) =>
        StreamRules.Check(http, model, (state, _) => PublishPolicy.Check(command, key, state));

    /// <summary>Publishes the next revision; the body is JSON or YAML.</summary>
    [WolverinePut("/api/v1/models/{key}/policy")]
    [YamlBody]
    public static (IResult, Events) Put(
        PublishPolicy command, string key,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<Model>> model,
        HttpContext http, IClock clock) =>
        StreamCommand.Decide(http, model, clock, nameof(PublishPolicy),
            (state, now, actor) => PublishPolicy.Decide(command, key, state!, now, actor),
            after => Results.Ok(new PublishPolicy.Published(key, after!.Policy.Revision)));

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Admin)
            .WithTags("Models").WithName(nameof(PublishPolicy))
            .WithSummary("Publish the model's promotion policy (JSON or YAML): approvals, approver roles, required suites, incident block, soak, self-approval, auto-deploy per stage.")
            .Produces<PublishPolicy.Published>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }
}
