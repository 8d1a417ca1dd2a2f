using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FluentValidation;
using FluentValidation.Results;
using Governance.Api.Core.Auth;
using Governance.Api.Core.Commands;
using Governance.Api.Core.Errors;
using Governance.EventLog.Streams;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using Npgsql;
using Wolverine.Http;
using Wolverine.Marten;

namespace Governance.Api.PipelineRuns;

/// <summary>
/// Record an OpenLineage event as a producer sent it (RunEvent, JobEvent or DatasetEvent; spec 1.x and 2-0-x). The
/// body is the event itself, read whole: unknown fields and facets are kept, not refused.
/// </summary>
[JsonConverter(typeof(BodyConverter))]
public sealed record RecordOpenLineageEvent(JsonElement Event)
{
    /// <summary>What the service reads from the event; null when it is malformed (the validator says why).</summary>
    [JsonIgnore]
    public OpenLineageEvent? Parsed { get; private init; }

    /// <summary>Why the event cannot be read, per field.</summary>
    [JsonIgnore]
    public IReadOnlyList<(string Field, string Message)> Problems { get; private init; } = [];

    /// <summary>SHA-256 of the event's JSON text: the same event sent twice (a producer's retry) is recorded once.</summary>
    [JsonIgnore]
    public string Digest { get; private init; } = "";

    /// <summary>Reads <paramref name="body"/>.</summary>
    public static RecordOpenLineageEvent From(JsonElement body)
    {
        var (parsed, problems) = OpenLineageEvent.Read(body);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body.GetRawText())));
        return new RecordOpenLineageEvent(body) { Parsed = parsed, Problems = problems, Digest = digest };
    }

    /// <summary>Shape rules: the fields the service needs (<see cref="OpenLineageEvent.Read"/>), each named by its JSON path.</summary>
    public sealed class Validator : AbstractValidator<RecordOpenLineageEvent>
    {
        public Validator() =>
            RuleFor(c => c).Custom((command, context) =>
            {
                foreach (var (field, message) in command.Problems)
                {
                    context.AddFailure(new ValidationFailure(field, message));
                }
            });
    }

    /// <summary>The response: where the event went.</summary>
    public sealed record Recorded(string Kind, string StreamId, string Node, bool Duplicate);

    /// <summary>A run belongs to one job; an event already recorded is not held against that (it changes nothing).</summary>
    public static DomainError? Check(RecordOpenLineageEvent command, PipelineRun? state)
    {
        ArgumentNullException.ThrowIfNull(command);
        var e = command.Parsed ?? throw new InvalidOperationException("The event was not validated.");
        if (state is null || state.Digests.Contains(command.Digest))
        {
            return null;
        }

        return e.Kind == OpenLineageKind.RunEvent && state is { Job: { } job } && job != new JobRef(e.JobNamespace!, e.JobName!)
            ? DomainError.Conflict(
                $"Run '{e.RunId}' belongs to job '{job.Namespace}/{job.Name}'; this event names job '{e.JobNamespace}/{e.JobName}'. A run id is one run of one job.")
            : null;
    }

    /// <summary>The event as received; nothing when it was recorded before (a byte-identical repeat, a producer's retry).</summary>
    public static IReadOnlyList<object> Decide(RecordOpenLineageEvent command, PipelineRun? state, Instant now, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(actor);
        var e = command.Parsed ?? throw new InvalidOperationException("The event was not validated.");
        return state is not null && state.Digests.Contains(command.Digest)
            ? []
            : [new OpenLineageEventReceived(
                e.Kind.ToString(), e.RunId, e.JobNamespace, e.JobName, e.EventType, e.EventTime, command.Digest, command.Event.Clone(), actor.Name, now)];
    }

    /// <summary>The stream an event belongs to: its run's, or for JobEvents and DatasetEvents its job's or dataset's.</summary>
    public static string StreamOf(OpenLineageEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Kind switch
        {
            OpenLineageKind.JobEvent => PipelineRun.JobStreamId(e.JobNamespace!, e.JobName!),
            OpenLineageKind.DatasetEvent => PipelineRun.DatasetStreamId(e.Dataset!.Namespace, e.Dataset.Name),
            _ => PipelineRun.StreamId(e.RunId!),
        };
    }

    /// <summary>The lineage node the event is about.</summary>
    public static string NodeOf(OpenLineageEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Kind switch
        {
            OpenLineageKind.JobEvent => PipelineRun.JobNodeId(e.JobNamespace!, e.JobName!),
            OpenLineageKind.DatasetEvent => PipelineRun.ExternalNodeId(e.Dataset!.Uri),
            _ => PipelineRun.RunNodeId(e.RunId!),
        };
    }

    /// <summary>Reads the whole body as the event; strings with NUL are refused as everywhere (jsonb cannot hold them).</summary>
    internal sealed class BodyConverter : JsonConverter<RecordOpenLineageEvent>
    {
        public override RecordOpenLineageEvent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            From(JsonSerializer.Deserialize<JsonElement>(ref reader, options));

        public override void Write(Utf8JsonWriter writer, RecordOpenLineageEvent value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            ArgumentNullException.ThrowIfNull(value);
            value.Event.WriteTo(writer);
        }
    }
}

/// <summary>POST /api/v1/lineage: the OpenLineage HTTP transport's default endpoint (the Python client's <c>api/v1/lineage</c>).</summary>
public static class RecordOpenLineageEventEndpoint
{
    /// <summary>The stream the event goes to.</summary>
    public sealed record Target(string StreamId);

    /// <summary>
    /// Names the event's stream. The first events of one run often arrive together (START, then RUNNING a moment later);
    /// they wait here, in the command's transaction, for the one before, so the second appends to the stream the first
    /// started instead of failing to start it again.
    /// </summary>
    public static async Task<Target> LoadAsync(RecordOpenLineageEvent command, IDocumentSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(session);
        if (command.Parsed is not { } parsed)
        {
            // Refused by the validator before anything is written; a name is needed only to load nothing.
            return new Target(PipelineRun.StreamId("-"));
        }

        var stream = RecordOpenLineageEvent.StreamOf(parsed);
        await session.BeginTransactionAsync(ct);
        var connection = session.Connection ?? throw new InvalidOperationException("The command's session has no connection.");
        await using var wait = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('openlineage-stream:' || $1, 0))", connection);
        wait.Parameters.Add(new() { Value = stream });
        await wait.ExecuteNonQueryAsync(ct);
        return new Target(stream);
    }

    /// <summary>The event's stream.</summary>
    public static string StreamOf(Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.StreamId;
    }

    /// <summary>Refuses with problem details before anything is appended.</summary>
    public static ProblemDetails Validate(RecordOpenLineageEvent command, IEventStream<Folded<PipelineRun>> stream, HttpContext http) =>
        StreamRules.Check(http, stream, (state, _) => RecordOpenLineageEvent.Check(command, state));

    /// <summary>Records the event: 201, or 200 when the same event was recorded before.</summary>
    [WolverinePost("/api/v1/lineage")]
    public static (IResult, Events) Post(
        RecordOpenLineageEvent command, Target target,
        [WriteAggregate(FromMethod = nameof(StreamOf), Required = false, LoadStyle = Wolverine.Marten.ConcurrencyStyle.Exclusive)] IEventStream<Folded<PipelineRun>> stream,
        HttpContext http, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(target);
        var parsed = command.Parsed!;
        var duplicate = false;
        return StreamCommand.Decide(http, stream, clock, nameof(RecordOpenLineageEvent),
            (state, now, actor) =>
            {
                var events = RecordOpenLineageEvent.Decide(command, state, now, actor);
                duplicate = events.Count == 0;
                return events;
            },
            _ =>
            {
                var recorded = new RecordOpenLineageEvent.Recorded(parsed.Kind.ToString(), target.StreamId, RecordOpenLineageEvent.NodeOf(parsed), duplicate);
                return duplicate
                    ? Results.Ok(recorded)
                    : Results.Created($"/api/v1/streams/{Uri.EscapeDataString(target.StreamId)}/events", recorded);
            });
    }

    /// <summary>Who may call it and what it answers.</summary>
    public static void Configure(HttpChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.Metadata
            .RequireRole(Roles.Contributor)
            .WithTags("Lineage").WithName(nameof(RecordOpenLineageEvent))
            .WithSummary("Record an OpenLineage event (RunEvent, JobEvent or DatasetEvent; also gzip-encoded) and draw its jobs, runs and datasets into the lineage graph.")
            .Produces<RecordOpenLineageEvent.Recorded>(StatusCodes.Status201Created)
            .Produces<RecordOpenLineageEvent.Recorded>()
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
