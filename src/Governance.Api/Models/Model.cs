using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.EventLog;
using NodaTime;

namespace Governance.Api.Models;

/// <summary>A product KPI the model is meant to move. Accepts a bare name or {name, description, target}.</summary>
[JsonConverter(typeof(KpiConverter))]
public sealed record Kpi(string Name, string? Description = null, string? Target = null);

/// <summary>A model was registered: what it is, who owns it, which stages it moves through.</summary>
public sealed record ModelRegistered(string Key, string Name, string Description, string Team, string TaskType,
    IReadOnlyList<string> Stages, IReadOnlyList<Kpi> Kpis, string RegisteredBy, Instant RegisteredAt);

/// <summary>The model's description changed.</summary>
public sealed record ModelDescribed(string Key, string Description, string DescribedBy, Instant DescribedAt);

/// <summary>The model's stage graph changed.</summary>
public sealed record ModelStagesConfigured(string Key, IReadOnlyList<string> Stages, string ConfiguredBy, Instant ConfiguredAt);

/// <summary>Someone wrote down what they know, so it outlives their memory.</summary>
public sealed record KnowledgeNoteAdded(string Key, string NoteId, string Title, string Body, IReadOnlyList<string> Tags, string AddedBy, Instant AddedAt);

/// <summary>The model is no longer in service.</summary>
public sealed record ModelRetired(string Key, string Reason, string RetiredBy, Instant RetiredAt);

/// <summary>A policy revision was published: how promotions into each stage are judged from now on (every stage spelt out).</summary>
public sealed record ModelPolicyPublished(string Key, int Revision, IReadOnlyDictionary<string, StagePolicy> Stages, string PublishedBy, Instant PublishedAt);

/// <summary>A knowledge note as kept in the model's state.</summary>
public sealed record KnowledgeNote(string Id, string Title, string Body, IReadOnlyList<string> Tags, string AddedBy, Instant AddedAt);

/// <summary>The state of a model stream.</summary>
public sealed record Model(
    string Key, string Name, string Description, string Team, string TaskType, IReadOnlyList<string> Stages,
    IReadOnlyList<Kpi> Kpis, IReadOnlyList<KnowledgeNote> Notes, bool Retired, string RegisteredBy, Instant RegisteredAt,
    IReadOnlyList<ModelPolicy> Policies) : IStreamState<Model>
{
    /// <summary>The stream type.</summary>
    public const string StreamType = "model";

    /// <summary>Stages when none are given: offline counts as "registered".</summary>
    public static readonly IReadOnlyList<string> DefaultStages = ["offline", "shadow", "canary", "production"];

    /// <summary>The stream id of a model.</summary>
    public static string StreamId(string key) => $"model-{key}";

    /// <inheritdoc />
    public static Model Initial { get; } = new("", "", "", "", "", [], [], [], false, "", default, []);

    /// <summary>The policy in force: the latest published revision, or the defaults (revision 0) when none was published.</summary>
    public ModelPolicy Policy => Policies.Count > 0 ? Policies[^1] : ModelPolicy.Defaults(Stages);

    /// <summary>A policy revision by number (0 is the defaults), if it exists.</summary>
    public ModelPolicy? PolicyRevision(int revision) =>
        revision == 0 ? ModelPolicy.Defaults(Stages) : Policies.FirstOrDefault(p => p.Revision == revision);

    /// <inheritdoc />
    public Model Evolve(StoredEvent @event) => @event.Data switch
    {
        ModelRegistered r => new Model(r.Key, r.Name, r.Description, r.Team, r.TaskType, r.Stages, r.Kpis, [], false, r.RegisteredBy, r.RegisteredAt, []),
        ModelDescribed d => this with { Description = d.Description },
        ModelStagesConfigured s => this with { Stages = s.Stages },
        KnowledgeNoteAdded n => this with { Notes = [.. Notes, new KnowledgeNote(n.NoteId, n.Title, n.Body, n.Tags, n.AddedBy, n.AddedAt)] },
        ModelRetired => this with { Retired = true },
        ModelPolicyPublished p => this with { Policies = [.. Policies, new ModelPolicy(p.Revision, p.Stages, p.PublishedBy, p.PublishedAt)] },
        _ => this,
    };

    /// <summary>Registers the stream's events.</summary>
    public static void RegisterEvents(EventTypeRegistry registry) => registry
        .Register<ModelRegistered>().Register<ModelDescribed>().Register<ModelStagesConfigured>()
        .Register<KnowledgeNoteAdded>().Register<ModelRetired>().Register<ModelPolicyPublished>();
}

/// <summary>Reads a KPI from a string or an object.</summary>
public sealed class KpiConverter : JsonConverter<Kpi>
{
    /// <inheritdoc />
    public override Kpi Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new Kpi(reader.GetString()!);
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A KPI is a name or an object {name, description, target}.");
        }

        string? name = null, description = null, target = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var property = reader.GetString();
            reader.Read();
            var value = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.Null => null,
                JsonTokenType.Number => reader.GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => throw new JsonException($"KPI field '{property}' must be a string."),
            };
            switch (property?.ToLowerInvariant())
            {
                case "name": name = value; break;
                case "description": description = value; break;
                case "target": target = value; break;
                default: throw new JsonException($"KPI field '{property}' is not known; use name, description and target.");
            }
        }

        return new Kpi(name ?? "", description, target);
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, Kpi value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("name", value.Name);
        if (value.Description is not null)
        {
            writer.WriteString("description", value.Description);
        }

        if (value.Target is not null)
        {
            writer.WriteString("target", value.Target);
        }

        writer.WriteEndObject();
    }
}
