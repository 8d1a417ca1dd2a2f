using System.Text.Json;
using System.Text.Json.Serialization;
using Governance.Api.Core.Json;
using Governance.Api.Core.OpenApi;
using Severity = Governance.Api.Incidents.Severity;

namespace Governance.Api.Alerts;

/// <summary>
/// The severity words monitoring tools use (Prometheus rules' <c>severity</c> label), beside the service's own SEV1–SEV4:
/// <c>critical</c> → SEV2, <c>warning</c> and <c>error</c> → SEV3, <c>info</c> → SEV4 (DESIGN §13). SEV1 is never
/// inferred from a word: it is a person's call.
/// </summary>
public static class AlertSeverityWords
{
    /// <summary>Every value an alert's severity may be written as.</summary>
    public static IReadOnlyList<string> Accepted { get; } = ["SEV1", "SEV2", "SEV3", "SEV4", "critical", "error", "warning", "info"];

    /// <summary>The severity <paramref name="text"/> names (any case), or null.</summary>
    public static Severity? Parse(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "SEV1" => Severity.Sev1,
        "SEV2" or "CRITICAL" => Severity.Sev2,
        "SEV3" or "WARNING" or "ERROR" => Severity.Sev3,
        "SEV4" or "INFO" => Severity.Sev4,
        _ => null,
    };

    /// <summary>An Alertmanager <c>severity</c> label: the words and SEV1–SEV4 as above, anything else (or none) SEV4.</summary>
    public static Severity FromLabel(string? label) => Parse(label) ?? Severity.Sev4;

    /// <summary>Reads a severity from the words or SEV1–SEV4; writes SEV1–SEV4.</summary>
    public sealed class Converter : JsonConverter<Severity?>, IAcceptedWords
    {
        /// <inheritdoc />
        IReadOnlyList<string> IAcceptedWords.Accepted => Accepted;

        /// <inheritdoc />
        public override Severity? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && Parse(reader.GetString()) is { } severity
                ? severity
                : throw new JsonInputException($"must be one of: {string.Join(", ", Accepted)}");

        /// <inheritdoc />
        public override void Write(Utf8JsonWriter writer, Severity? value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            if (value is { } severity)
            {
                writer.WriteStringValue($"SEV{(int)severity}");
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }
}
