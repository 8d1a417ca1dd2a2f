using System.Text.RegularExpressions;

namespace Governance.Api.Tests.Harness;

/// <summary>
/// A problem body as a person reads it, for leak checks: the <c>traceId</c> is a random connection id in base 32
/// ("0HNQF9NS6ISQL") that can spell a word the checks look for, and it names nothing of the service's insides.
/// </summary>
public static partial class ProblemText
{
    /// <summary>The body without its traceId.</summary>
    public static string WithoutTraceId(string body) => TraceId().Replace(body, "");

    [GeneratedRegex("\"traceId\"\\s*:\\s*\"[^\"]*\"")]
    private static partial Regex TraceId();
}
