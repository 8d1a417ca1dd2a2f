using System.Text;
using System.Text.Json;

namespace Governance.Cli.Core;

/// <summary>Turns an error answer into what a person reads: the problem's title and sentence, then each field's errors.</summary>
public static class Problems
{
    public static string Describe(int status, string? reason, string body, Connection connection)
    {
        var text = new StringBuilder();
        if (TryParse(body) is { } problem)
        {
            var title = String(problem, "title");
            var detail = String(problem, "detail");
            text.Append(title is null ? detail ?? $"The service answered {status}." : detail is null ? title : $"{title}: {detail}");
            if (problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in errors.EnumerateObject())
                {
                    var messages = field.Value.ValueKind == JsonValueKind.Array
                        ? field.Value.EnumerateArray().Select(m => m.ToString())
                        : [field.Value.ToString()];
                    foreach (var message in messages.Where(m => m != detail))
                    {
                        text.Append('\n').Append("  ").Append(field.Name).Append(": ").Append(message);
                    }
                }
            }
        }
        else
        {
            text.Append($"The service answered {status} {reason}");
            var excerpt = body.Trim();
            if (excerpt.Length > 0)
            {
                text.Append(": ").Append(excerpt.Length > 200 ? excerpt[..200] + "…" : excerpt);
            }
        }

        if (status == 401)
        {
            text.Append('\n').Append(connection.Token is null
                ? "  No API key was sent: set GOV_TOKEN or pass --token (for a service on this machine, run gov where .governance/admin.key is)."
                : $"  The key came from {connection.TokenSource}.");
        }

        return text.ToString();
    }

    private static JsonElement? TryParse(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s ? s : null;
}
