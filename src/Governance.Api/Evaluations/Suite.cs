using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Evaluations;

/// <summary>Which way a metric is better: "higher" (AUC, recall) or "lower" (latency, log loss).</summary>
public static class MetricDirection
{
    public const string Higher = "higher";
    public const string Lower = "lower";

    /// <summary>Both directions.</summary>
    public static IReadOnlyList<string> All { get; } = [Higher, Lower];
}

/// <summary>A metric a suite requires: its threshold, the direction that is better, and how far it may fall behind production.</summary>
public sealed record SuiteMetric(string Name, double Threshold, string Direction, double? MaxRegression = null);

/// <summary>A slice of the evaluation data (new users, one country…) with its own threshold on one of the suite's metrics.</summary>
public sealed record SuiteSlice(string Name, string Metric, double Threshold);

/// <summary>A suite was defined: revision 1.</summary>
public sealed record SuiteDefined(
    string Name, int Revision, string Description, IReadOnlyList<SuiteMetric> Metrics, IReadOnlyList<SuiteSlice> Slices,
    string DefinedBy, Instant DefinedAt);

/// <summary>A suite's definition was replaced as a whole: a new revision.</summary>
public sealed record SuiteRevised(
    string Name, int Revision, string Description, IReadOnlyList<SuiteMetric> Metrics, IReadOnlyList<SuiteSlice> Slices,
    string RevisedBy, Instant RevisedAt);

/// <summary>One slice was added to a suite (typically after a live failure, by a postmortem): a new revision.</summary>
public sealed record SuiteSliceAdded(string Name, int Revision, SuiteSlice Slice, string AddedBy, Instant AddedAt, string? IncidentId = null);

/// <summary>One revision of a suite, exactly as evaluations against it are judged.</summary>
public sealed record SuiteRevision(
    int Revision, string Description, IReadOnlyList<SuiteMetric> Metrics, IReadOnlyList<SuiteSlice> Slices,
    string ChangedBy, Instant ChangedAt)
{
    /// <summary>The suite's metric of that name, if any.</summary>
    public SuiteMetric? Metric(string name) => Metrics.FirstOrDefault(m => m.Name == name);

    /// <summary>Whether this revision has the same description, metrics and slices as <paramref name="other"/>.</summary>
    public bool SameDefinitionAs(string description, IReadOnlyList<SuiteMetric> metrics, IReadOnlyList<SuiteSlice> slices) =>
        Description == description && Metrics.SequenceEqual(metrics) && Slices.SequenceEqual(slices);
}

/// <summary>
/// The state of a suite stream: every revision, oldest first, so an evaluation can name an old one. Every suite
/// event makes exactly one revision, so a revision number is also the stream version that created it.
/// </summary>
public sealed record Suite(string Name, IReadOnlyList<SuiteRevision> Revisions) : IStreamState<Suite>
{
    /// <summary>The stream id of a suite.</summary>
    public static string StreamId(string name) => $"suite-{name}";

    /// <summary>The stream type.</summary>
    public const string StreamType = "suite";

    /// <inheritdoc />
    public static Suite Initial { get; } = new("", []);

    /// <summary>The newest revision.</summary>
    public SuiteRevision Current => Revisions[^1];

    /// <summary>A revision by number, if it exists.</summary>
    public SuiteRevision? Revision(int number) => Revisions.FirstOrDefault(r => r.Revision == number);

    /// <inheritdoc />
    public Suite Evolve(StoredEvent @event) => @event.Data switch
    {
        SuiteDefined defined => new Suite(defined.Name,
            [new SuiteRevision(defined.Revision, defined.Description, defined.Metrics, defined.Slices, defined.DefinedBy, defined.DefinedAt)]),
        SuiteRevised revised => this with
        {
            Revisions = [.. Revisions, new SuiteRevision(revised.Revision, revised.Description, revised.Metrics, revised.Slices, revised.RevisedBy, revised.RevisedAt)],
        },
        SuiteSliceAdded added => this with
        {
            Revisions = [.. Revisions, Current with { Revision = added.Revision, Slices = [.. Current.Slices, added.Slice], ChangedBy = added.AddedBy, ChangedAt = added.AddedAt }],
        },
        _ => this,
    };

    /// <summary>Registers the stream's events.</summary>
    public static void RegisterEvents(EventTypeRegistry registry) =>
        registry.Register<SuiteDefined>().Register<SuiteRevised>().Register<SuiteSliceAdded>();
}
