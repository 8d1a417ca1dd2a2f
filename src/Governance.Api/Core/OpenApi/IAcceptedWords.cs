namespace Governance.Api.Core.OpenApi;

/// <summary>A JSON converter that reads a field from a fixed list of words; the OpenAPI document lists them as the field's enum.</summary>
public interface IAcceptedWords
{
    /// <summary>Every spelling the converter reads.</summary>
    IReadOnlyList<string> Accepted { get; }
}
