using System.Text.Json;
using FluentValidation;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.Api.Core.Telemetry;
using Governance.Api.Core.Validation;
using Governance.EventLog;
using NodaTime;
using Npgsql;
using Wolverine.Http;

namespace Governance.Api.Evaluations;

/// <summary>
/// Record an evaluation of a model version against a suite (its current revision unless one is named), on named
/// dataset versions. The verdict is computed now, against the suite revision and the production baseline, and stored.
/// </summary>
public sealed record RecordEvaluation(
    string Model,
    string Version,
    string Suite,
    int? SuiteRevision,
    string Stage,
    IReadOnlyList<string>? Datasets,
    IReadOnlyDictionary<string, double>? Metrics,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>? Slices,
    IReadOnlyDictionary<string, double>? ProductMetrics)
{
    /// <summary>Shape rules.</summary>
    public sealed class Validator : AbstractValidator<RecordEvaluation>
    {
        public Validator()
        {
            RuleFor(c => c.Model).IsSlug();
            RuleFor(c => c.Version).IsLabel();
            RuleFor(c => c.Suite).IsSlug();
            RuleFor(c => c.SuiteRevision).GreaterThan(0).When(c => c.SuiteRevision is not null)
                .WithMessage("A suite revision is 1 or more; leave it out for the current revision.");
            RuleFor(c => c.Stage).IsSlug();
            RuleFor(c => c.Datasets).NotEmpty().WithMessage("Name the dataset versions evaluated on, as \"name@version\".")
                .Must(d => d!.Count <= 100).WithMessage("At most 100 dataset versions.")
                .Must(d => d!.Distinct(StringComparer.Ordinal).Count() == d!.Count).WithMessage("Each dataset version is listed once.")
                .When(c => c.Datasets is not null);
            RuleFor(c => c.Datasets).NotNull().WithMessage("Name the dataset versions evaluated on, as \"name@version\".");
            RuleForEach(c => c.Datasets).IsVersionRef();
            RuleFor(c => c.Metrics).NotNull().WithMessage("Give the overall metrics, e.g. {\"auc\": 0.91}.");
            RuleFor(c => c.Metrics).Custom((metrics, context) => CheckValues(metrics, "Metrics", context));
            RuleFor(c => c.ProductMetrics).Custom((metrics, context) => CheckValues(metrics, "ProductMetrics", context));
            RuleFor(c => c.Slices).Custom((slices, context) =>
            {
                if (slices is null)
                {
                    return;
                }

                if (slices.Count > 200)
                {
                    context.AddFailure("Slices", "At most 200 slices.");
                }

                foreach (var (slice, metrics) in slices)
                {
                    if (!MetricNames.Pattern().IsMatch(slice))
                    {
                        context.AddFailure($"Slices[{Truncate(slice)}]", MetricNames.Message);
                    }
                    else if (metrics is null)
                    {
                        context.AddFailure($"Slices[{slice}]", "Give the slice's metrics, e.g. {\"auc\": 0.88}.");
                    }
                    else
                    {
                        CheckValues(metrics, $"Slices[{slice}]", context);
                    }
                }
            });
        }

        private static void CheckValues<T>(IReadOnlyDictionary<string, double>? values, string field, ValidationContext<T> context)
        {
            if (values is null)
            {
                return;
            }

            if (values.Count > 500)
            {
                context.AddFailure(field, "At most 500 metrics.");
            }

            foreach (var (name, value) in values)
            {
                if (!MetricNames.Pattern().IsMatch(name))
                {
                    context.AddFailure($"{field}[{Truncate(name)}]", MetricNames.Message);
                }
                else if (!double.IsFinite(value))
                {
                    context.AddFailure($"{field}[{name}]", "A metric value is a finite number.");
                }
            }
        }

        private static string Truncate(string text) => text.Length > 40 ? text[..40] + "…" : text;
    }

    /// <summary>The response: the verdict.</summary>
    public sealed record Recorded(string Id, bool Passed, IReadOnlyList<EvaluationCheck> Checks);

    /// <summary>
    /// What the command refers to, read before deciding: the model's stages (null when it is not registered), whether
    /// the version is registered, the suite, the dataset versions that are not registered, and the production baseline.
    /// </summary>
    public sealed record References(
        IReadOnlyList<string>? ModelStages, bool VersionExists, Suite? Suite, IReadOnlySet<string> MissingDatasets, Baseline? Baseline);

    /// <summary>
    /// Every reference must exist (422 naming each field that does not, all at once), and the stage must be one of the
    /// model's.
    /// </summary>
    public static DomainError? Check(RecordEvaluation command, string id, References references, Evaluation? state)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(references);
        if (state is not null)
        {
            return DomainError.Conflict($"Evaluation '{id}' already exists.");
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (references.ModelStages is not { } stages)
        {
            errors["model"] = [$"Model '{command.Model}' is not registered."];
        }
        else
        {
            if (!references.VersionExists)
            {
                errors["version"] = [$"Model '{command.Model}' has no registered version '{command.Version}'."];
            }

            if (!stages.Contains(command.Stage, StringComparer.Ordinal))
            {
                errors["stage"] = [$"'{command.Stage}' is not a stage of model '{command.Model}' ({string.Join(", ", stages)})."];
            }
        }

        if (references.Suite is not { } suite)
        {
            errors["suite"] = [$"No evaluation suite named '{command.Suite}'."];
        }
        else if (RevisionOf(command, suite) is null)
        {
            errors["suiteRevision"] = [$"Suite '{command.Suite}' has no revision {command.SuiteRevision} (its latest is {suite.Current.Revision})."];
        }

        var datasets = command.Datasets ?? [];
        for (var i = 0; i < datasets.Count; i++)
        {
            if (references.MissingDatasets.Contains(datasets[i]))
            {
                errors[$"datasets[{i}]"] = [$"Dataset version '{datasets[i]}' is not registered."];
            }
        }

        return errors.Count == 0
            ? null
            : new DomainError(StatusCodes.Status422UnprocessableEntity, "Unprocessable", string.Join(" ", errors.Values.SelectMany(e => e)), errors);
    }

    /// <summary>The evaluation with its verdict, computed against the suite revision and the baseline (<see cref="Check"/> has let it through).</summary>
    public static IReadOnlyList<object> Decide(RecordEvaluation command, string id, References references, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(references);
        var revision = RevisionOf(command, references.Suite!)!;
        var metrics = command.Metrics ?? new Dictionary<string, double>();
        var slices = command.Slices ?? new Dictionary<string, IReadOnlyDictionary<string, double>>();
        var checks = Verdict.Compute(revision, metrics, slices, references.Baseline);
        return [new EvaluationRecorded(
            id, command.Model, command.Version, command.Suite, revision.Revision, command.Stage, command.Datasets ?? [], metrics, slices,
            command.ProductMetrics ?? new Dictionary<string, double>(), Verdict.Passed(checks), checks,
            references.Baseline?.Version, references.Baseline?.EvaluationId, actor.Name, now)];
    }

    // The revision named, or the current one when none is.
    private static SuiteRevision? RevisionOf(RecordEvaluation command, Suite suite) =>
        command.SuiteRevision is { } named ? suite.Revision(named) : suite.Current;

    /// <summary>
    /// Reads what the command refers to in one round trip: the registry, the suite revisions the decision can need
    /// (the named one and the latest, from the suite table its stream keeps in step inside every append) and the
    /// production baseline.
    /// </summary>
    public static async Task<References> LoadReferencesAsync(RecordEvaluation command, NpgsqlDataSource db, CancellationToken ct)
    {
        var datasets = (command.Datasets ?? []).Select(Rules.SplitRef).ToList();
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(Statement("""
            SELECT (SELECT stages FROM governance.models WHERE key = $1),
                   EXISTS (SELECT 1 FROM governance.model_versions WHERE model = $1 AND version = $2),
                   ARRAY(SELECT x.n || '@' || x.v FROM unnest($3::text[], $4::text[]) AS x(n, v)
                         WHERE NOT EXISTS (SELECT 1 FROM governance.dataset_versions d WHERE d.name = x.n AND d.version = x.v))
            """, command.Model, command.Version, datasets.Select(d => d.Name).ToArray(), datasets.Select(d => d.Version).ToArray()));
        batch.BatchCommands.Add(Statement("""
            SELECT revision, description, definition::text, changed_by, changed_at
            FROM governance.evaluation_suites
            WHERE name = $1 AND (revision = $2 OR revision = (SELECT max(revision) FROM governance.evaluation_suites WHERE name = $1))
            ORDER BY revision
            """, command.Suite, Revision(command.SuiteRevision)));

        // The latest evaluation, on the wanted suite revision, of the version now deployed in the model's last stage
        // (production); no row when nothing is deployed there or it was never evaluated on that revision.
        batch.BatchCommands.Add(Statement("""
            SELECT e.id, e.version, e.metrics::text
            FROM governance.current_deployments d
            CROSS JOIN LATERAL (
                SELECT e.id, e.version, e.metrics
                FROM governance.evaluations e
                WHERE e.model = d.model AND e.version = d.version AND e.suite = $2
                  AND e.suite_revision = coalesce($3, (SELECT max(revision) FROM governance.evaluation_suites WHERE name = $2))
                ORDER BY e.recorded_at DESC, e.seq DESC
                LIMIT 1) e
            WHERE d.model = $1 AND d.stage = (SELECT stages[cardinality(stages)] FROM governance.models WHERE key = $1)
            """, command.Model, command.Suite, Revision(command.SuiteRevision)));

        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        IReadOnlyList<string>? stages = reader.IsDBNull(0) ? null : reader.GetFieldValue<string[]>(0);
        var versionExists = reader.GetBoolean(1);
        HashSet<string> missing = [.. reader.GetFieldValue<string[]>(2)];

        await reader.NextResultAsync(ct);
        var revisions = new List<SuiteRevision>(2);
        while (await reader.ReadAsync(ct))
        {
            var definition = JsonSerializer.Deserialize<EvaluationsProjection.SuiteDefinition>(reader.GetString(2), Json)!;
            revisions.Add(new SuiteRevision(reader.GetInt32(0), reader.GetString(1), definition.Metrics, definition.Slices,
                reader.GetString(3), Instant.FromDateTimeUtc(reader.GetDateTime(4))));
        }

        await reader.NextResultAsync(ct);
        Baseline? baseline = null;
        if (await reader.ReadAsync(ct))
        {
            var metrics = JsonSerializer.Deserialize<Dictionary<string, double>>(reader.GetString(2)) ?? [];
            baseline = new Baseline(reader.GetString(0), reader.GetString(1), metrics);
        }

        var suite = revisions.Count == 0 ? null : new Suite(command.Suite, revisions);
        return new References(stages, versionExists, suite, missing, baseline);

        static NpgsqlParameter Revision(int? revision) => new() { Value = revision is { } r ? r : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer };
    }

    private static readonly JsonSerializerOptions Json = Governance.EventLog.EventJson.Options;

    private static NpgsqlBatchCommand Statement(string sql, params object[] parameters)
    {
        var statement = new NpgsqlBatchCommand(sql);
        foreach (var p in parameters)
        {
            statement.Parameters.Add(p as NpgsqlParameter ?? new NpgsqlParameter { Value = p });
        }

        return statement;
    }
}

/// <summary>
/// POST /api/v1/evaluations. It opens no Marten session: the new stream goes through the log's group commit
/// (<see cref="IEventStore.StartStreamAsync"/>), where concurrent evaluations share one transaction (ADR 0003).
/// </summary>
public static class RecordEvaluationEndpoint
{
    /// <summary>What the command refers to, in one round trip on the data source of stateless reads.</summary>
    public static Task<RecordEvaluation.References> LoadAsync(
        RecordEvaluation command, [FromKeyedServices(DataSourceKeys.Queries)] NpgsqlDataSource queries, CancellationToken ct) =>
        RecordEvaluation.LoadReferencesAsync(command, queries, ct);

    /// <summary>Records the evaluation under a new id with the verdict computed now.</summary>
    [WolverinePost("/api/v1/evaluations")]
    public static async Task<IResult> Post(
        RecordEvaluation command, RecordEvaluation.References references, HttpContext http, IEventStore store, IClock clock, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(clock);
        var now = clock.GetCurrentInstant();
        var id = Evaluation.NewId(now);
        var streamId = Evaluation.StreamId(id);
        using var activity = GovernanceTelemetry.ActivitySource.StartActivity(nameof(RecordEvaluation));
        activity?.SetTag("governance.command", nameof(RecordEvaluation));
        activity?.SetTag("governance.stream.id", streamId);

        // The stream is new, so the only version If-Match can name and still match is 0.
        if (IfMatch.Check(http, streamId, 0) is { } precondition)
        {
            return precondition.ToResult();
        }

        // An id made up just now cannot be taken (a collision would be a 409 from the store), so there is no state to read first.
        if (RecordEvaluation.Check(command, id, references, null) is { } refusal)
        {
            activity?.SetTag("governance.outcome", "rejected");
            return refusal.ToResult();
        }

        var actor = Actor.From(http.User);
        var events = RecordEvaluation.Decide(command, id, references, now, actor);
        var appended = await store.StartStreamAsync(streamId, Evaluation.StreamType, events, RequestEventMetadata.For(http, actor), ct);
        GovernanceTelemetry.Commands.Add(1, new KeyValuePair<string, object?>("command", nameof(RecordEvaluation)));
        var recorded = events.OfType<EvaluationRecorded>().Single();
        return new Versioned(
            Results.Created($"/api/v1/evaluations/{id}", new RecordEvaluation.Recorded(id, recorded.Passed, recorded.Checks)),
            appended.VersionOf(streamId));
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithMetadata(new StreamCommandMetadata())
            .WithTags("Evaluations").WithName(nameof(RecordEvaluation))
            .WithSummary("Record an evaluation of a model version against a suite; returns the verdict computed now.")
            .Produces<RecordEvaluation.Recorded>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }
}
