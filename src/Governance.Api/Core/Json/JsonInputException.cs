using System.Text.Json;

namespace Governance.Api.Core.Json;

/// <summary>
/// A value in a request body that is well-formed JSON but not acceptable, thrown by the request converters with a
/// predicate a person understands ("must be …"). The serializer keeps the instance and adds the path, so the problem
/// response can name the field.
/// </summary>
public sealed class JsonInputException : JsonException
{
    /// <summary>Creates the exception.</summary>
    public JsonInputException(string problem)
        : base(problem) => Problem = problem;

    /// <summary>Creates the exception.</summary>
    public JsonInputException()
        : this("is not valid")
    {
    }

    /// <summary>Creates the exception.</summary>
    public JsonInputException(string problem, Exception inner)
        : base(problem, inner) => Problem = problem;

    /// <summary>What is wrong with the value, as a predicate for the field's name.</summary>
    public string Problem { get; }
}
