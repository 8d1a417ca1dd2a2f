using System.Reflection;
using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Json;
using Governance.Api.Core.Validation;
using Governance.EventLog;
using NodaTime;
using Governance.Api.Core.Requests;

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

    /// <summary>Reads the body from JSON or YAML.</summary>
    public static ValueTask<PublishPolicy?> BindAsync(HttpContext http, ParameterInfo parameter) => YamlJson.ReadBodyAsync<PublishPolicy>(http);

    /// <summary>Pure decision: a policy names only the model's stages; every stage is spelt out in the event, defaults filled in.</summary>
    public static Decision Decide(PublishPolicy command, string key, Model? state, Instant now, Actor actor)
    {
        if (state is null)
        {
            return DomainError.NotFound($"No model '{key}'.");
        }

        var given = command.Stages ?? new Dictionary<string, StagePolicyBody>();
        if (given.Keys.FirstOrDefault(s => !state.Stages.Contains(s)) is { } unknown)
        {
            return DomainError.Unprocessable(
                $"Model '{key}' has no stage '{unknown}'; its stages are {string.Join(", ", state.Stages)}.", $"stages[{unknown}]");
        }

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

        return Decision.Accept(new ModelPolicyPublished(key, state.Policies.Count + 1, stages, actor.Name, now));
    }

    /// <summary>PUT and GET /api/v1/models/{key}/policy.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPut("/models/{key}/policy", async (string key, PublishPolicy command, HttpContext http, CommandExecutor executor, CancellationToken ct) =>
            {
                var outcome = await executor.ExecuteAsync<Model>(http, nameof(PublishPolicy), Model.StreamId(key), Model.StreamType,
                    (state, now, actor) => Decide(command, key, state, now, actor), ct);
                return outcome.Succeeded
                    ? Results.Ok(new Published(key, outcome.Appended!.Events.Select(e => e.Data).OfType<ModelPolicyPublished>().Single().Revision))
                    : outcome.Error!.ToResult();
            })
            .Validate<PublishPolicy>()
            .Accepts<PublishPolicy>("application/json", "application/yaml", "application/x-yaml", "text/yaml")
            .RequireRole(Roles.Admin)
            .WithTags("Models").WithName(nameof(PublishPolicy))
            .WithSummary("Publish the model's promotion policy (JSON or YAML): approvals, approver roles, required suites, incident block, soak, self-approval, auto-deploy per stage.")
            .Produces<Published>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        api.MapGet("/models/{key}/policy", async (string key, IEventStore store, CancellationToken ct, int? revision = null) =>
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
