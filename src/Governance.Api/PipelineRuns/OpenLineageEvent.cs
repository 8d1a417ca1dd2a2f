using System.Text.Json;
using NodaTime;
using NodaTime.Text;

namespace Governance.Api.PipelineRuns;

/// <summary>The three kinds of OpenLineage event (spec 1.x and 2-0-x).</summary>
public enum OpenLineageKind
{
    /// <summary>A run of a job changed state; the only kind a producer must send.</summary>
    RunEvent,

    /// <summary>A job's definition (no run).</summary>
    JobEvent,

    /// <summary>A dataset's metadata (no job, no run).</summary>
    DatasetEvent,
}

/// <summary>A dataset as an OpenLineage event names it: where it lives and, with a version facet, which version.</summary>
public sealed record OpenLineageDataset(string Namespace, string Name, string? Version)
{
    /// <summary>The URI the registry joins on: <c>{namespace}/{name}</c>, with <c>@{version}</c> when the version facet gives one.</summary>
    public string Uri => Version is null ? $"{Namespace}/{Name}" : $"{Namespace}/{Name}@{Version}";
}

/// <summary>The run that spawned this one (the parent run facet).</summary>
public sealed record OpenLineageParent(string RunId, string JobNamespace, string JobName);

/// <summary>
/// What the service reads from an OpenLineage event; the event itself is kept whole, unknown fields and facets
/// included. Reading is lenient where the spec is (no <c>schemaURL</c>, no <c>eventType</c>, no <c>producer</c>, facets
/// without <c>_producer</c>, runIds that are not UUIDs, times without a zone) and strict only on what the service needs.
/// </summary>
public sealed record OpenLineageEvent(
    OpenLineageKind Kind, Instant EventTime, string? EventType, string? RunId, string? JobNamespace, string? JobName,
    IReadOnlyList<OpenLineageDataset> Inputs, IReadOnlyList<OpenLineageDataset> Outputs, OpenLineageDataset? Dataset, OpenLineageParent? Parent)
{
    /// <summary>The run states of the spec's <c>eventType</c>.</summary>
    public static IReadOnlyList<string> EventTypes { get; } = ["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"];

    // Node ids, stream ids and the URIs joined on are built from these; the caps (UTF-8 bytes) keep the longest of them,
    // {namespace}/{name}@{version} beside a job's node, inside one PostgreSQL index entry.
    private const int MaxRunId = 200;
    private const int MaxNamespace = 400;
    private const int MaxName = 400;
    private const int MaxDatasets = 1000;

    private static readonly IPattern<OffsetDateTime>[] OffsetPatterns =
        [OffsetDateTimePattern.ExtendedIso, OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss;FFFFFFFFFo<Z+HHmm>")];

    /// <summary>Reads an event, or says which fields are wrong (keyed by their JSON path, e.g. <c>run.runId</c>).</summary>
    public static (OpenLineageEvent? Event, IReadOnlyList<(string Field, string Message)> Errors) Read(JsonElement body)
    {
        var errors = new List<(string, string)>();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add(("body", "The body must be an OpenLineage event: a JSON object with eventTime, run and job."));
            return (null, errors);
        }

        var kind = KindOf(body);
        var eventTime = RequiredText(body, "eventTime", "eventTime", 100, errors) is { } time ? ParseTime(time, errors) : null;
        string? eventType = null;
        if (body.TryGetProperty("eventType", out var typeElement) && typeElement.ValueKind != JsonValueKind.Null)
        {
            eventType = typeElement.ValueKind == JsonValueKind.String ? typeElement.GetString()!.ToUpperInvariant() : null;
            if (eventType is null || !EventTypes.Contains(eventType))
            {
                errors.Add(("eventType", $"'eventType' must be one of: {string.Join(", ", EventTypes)}."));
            }
        }

        string? runId = null;
        OpenLineageParent? parent = null;
        if (kind == OpenLineageKind.RunEvent)
        {
            if (RequiredObject(body, "run", "run", "the run, with its runId", errors) is { } run)
            {
                runId = RequiredText(run, "runId", "run.runId", MaxRunId, errors);
                parent = ParentOf(run);
            }
        }

        string? jobNamespace = null, jobName = null;
        if (kind != OpenLineageKind.DatasetEvent && RequiredObject(body, "job", "job", "the job, with its namespace and name", errors) is { } job)
        {
            jobNamespace = RequiredText(job, "namespace", "job.namespace", MaxNamespace, errors);
            jobName = RequiredText(job, "name", "job.name", MaxName, errors);
        }

        OpenLineageDataset? dataset = null;
        if (kind == OpenLineageKind.DatasetEvent && RequiredObject(body, "dataset", "dataset", "the dataset, with its namespace and name", errors) is { } d)
        {
            dataset = ReadDataset(d, "dataset", errors);
        }

        var inputs = kind == OpenLineageKind.DatasetEvent ? [] : ReadDatasets(body, "inputs", errors);
        var outputs = kind == OpenLineageKind.DatasetEvent ? [] : ReadDatasets(body, "outputs", errors);
        return errors.Count > 0
            ? (null, errors)
            : (new OpenLineageEvent(kind, eventTime!.Value, eventType, runId, jobNamespace, jobName, inputs, outputs, dataset, parent), errors);
    }

    // As Marquez does: the kind is the schemaURL's last segment; without one (the spec's own examples omit it) a RunEvent.
    private static OpenLineageKind KindOf(JsonElement body)
    {
        if (!body.TryGetProperty("schemaURL", out var url) || url.ValueKind != JsonValueKind.String)
        {
            return OpenLineageKind.RunEvent;
        }

        var text = url.GetString()!;
        return text.EndsWith("/JobEvent", StringComparison.Ordinal) ? OpenLineageKind.JobEvent
            : text.EndsWith("/DatasetEvent", StringComparison.Ordinal) ? OpenLineageKind.DatasetEvent
            : OpenLineageKind.RunEvent;
    }

    private static Instant? ParseTime(string text, List<(string, string)> errors)
    {
        Instant? instant = null;
        foreach (var pattern in OffsetPatterns)
        {
            if (instant is null && pattern.Parse(text) is { Success: true } parsed)
            {
                instant = parsed.Value.ToInstant();
            }
        }

        // Producers that send no zone mean UTC (Marquez accepts these too).
        if (instant is null && LocalDateTimePattern.ExtendedIso.Parse(text) is { Success: true } local)
        {
            instant = local.Value.InUtc().ToInstant();
        }

        // The API's one range for instants (what PostgreSQL and every other field take).
        if (instant is { } read && read >= Core.Time.TimeInput.Earliest && read <= Core.Time.TimeInput.Latest)
        {
            return read;
        }

        errors.Add(("eventTime", "'eventTime' must be an ISO-8601 date and time from year 1 to 9998, such as 2026-11-22T10:00:00Z or 2026-11-22T20:00:00.001+10:00."));
        return null;
    }

    private static JsonElement? RequiredObject(JsonElement parent, string property, string path, string what, List<(string, string)> errors)
    {
        if (!parent.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add((path, $"'{path}' is required: {what}."));
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add((path, $"'{path}' must be a JSON object: {what}."));
            return null;
        }

        return value;
    }

    private static string? RequiredText(JsonElement parent, string property, string path, int max, List<(string, string)> errors)
    {
        if (!parent.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add((path, $"'{path}' is required."));
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add((path, $"'{path}' must be text, written as a JSON string."));
            return null;
        }

        var text = value.GetString()!;
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add((path, $"'{path}' must not be empty."));
            return null;
        }

        if (System.Text.Encoding.UTF8.GetByteCount(text) > max)
        {
            errors.Add((path, $"'{path}' must be at most {max} bytes long (UTF-8)."));
            return null;
        }

        if (text.Any(char.IsControl))
        {
            errors.Add((path, $"'{path}' must not contain control characters."));
            return null;
        }

        return text;
    }

    private static List<OpenLineageDataset> ReadDatasets(JsonElement body, string property, List<(string, string)> errors)
    {
        var list = new List<OpenLineageDataset>();
        if (!body.TryGetProperty(property, out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return list;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            errors.Add((property, $"'{property}' must be a list of datasets."));
            return list;
        }

        if (array.GetArrayLength() > MaxDatasets)
        {
            errors.Add((property, $"'{property}' may name at most {MaxDatasets} datasets."));
            return list;
        }

        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            var path = $"{property}[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors.Add((path, $"'{path}' must be a dataset: a JSON object with namespace and name."));
                continue;
            }

            if (ReadDataset(item, path, errors) is { } dataset)
            {
                list.Add(dataset);
            }
        }

        return list;
    }

    private static OpenLineageDataset? ReadDataset(JsonElement item, string path, List<(string, string)> errors)
    {
        var ns = RequiredText(item, "namespace", $"{path}.namespace", MaxNamespace, errors);
        var name = RequiredText(item, "name", $"{path}.name", MaxName, errors);
        string? version = null;
        if (item.TryGetProperty("facets", out var facets) && facets.ValueKind == JsonValueKind.Object
            && facets.TryGetProperty("version", out var facet) && facet.ValueKind == JsonValueKind.Object
            && facet.TryGetProperty("datasetVersion", out var v) && v.ValueKind != JsonValueKind.Null)
        {
            // A facet marked deleted says the dataset has no version any more.
            var deleted = facet.TryGetProperty("_deleted", out var d) && d.ValueKind == JsonValueKind.True;
            version = deleted ? null : RequiredText(facet, "datasetVersion", $"{path}.facets.version.datasetVersion", MaxName, errors);
        }

        return ns is null || name is null ? null : new OpenLineageDataset(ns, name, version);
    }

    // The spec's key is "parent"; older producers (and an example in the spec) say "parentRun". An incomplete facet is
    // kept in the event but not drawn: a lenient consumer does not refuse a run for its parent's shape.
    private static OpenLineageParent? ParentOf(JsonElement run)
    {
        if (!run.TryGetProperty("facets", out var facets) || facets.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var key in new[] { "parent", "parentRun" })
        {
            if (facets.TryGetProperty(key, out var parent) && parent.ValueKind == JsonValueKind.Object
                && Text(parent, "run", "runId") is { Length: > 0 } runId && System.Text.Encoding.UTF8.GetByteCount(runId) <= MaxRunId
                && Text(parent, "job", "namespace") is { Length: > 0 } ns && System.Text.Encoding.UTF8.GetByteCount(ns) <= MaxNamespace
                && Text(parent, "job", "name") is { Length: > 0 } name && System.Text.Encoding.UTF8.GetByteCount(name) <= MaxName
                && !runId.Any(char.IsControl) && !ns.Any(char.IsControl) && !name.Any(char.IsControl))
            {
                return new OpenLineageParent(runId, ns, name);
            }
        }

        return null;
    }

    private static string? Text(JsonElement parent, string obj, string property) =>
        parent.TryGetProperty(obj, out var o) && o.ValueKind == JsonValueKind.Object
        && o.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.String
            ? p.GetString()
            : null;
}
