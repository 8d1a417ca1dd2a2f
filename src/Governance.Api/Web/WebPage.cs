using System.Globalization;
using System.Net;
using System.Text.Json;
using Governance.Api.Core.Auth;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;
using NodaTime.Text;

namespace Governance.Api.Web;

/// <summary>What every page shares: the invoker, the person, their time zone, and how times and problems are shown.</summary>
public abstract class WebPage : PageModel
{
    /// <summary>The cookie holding the person's chosen time zone (a TZDB id).</summary>
    public const string TimeZoneCookie = "governance_tz";

    /// <summary>Runs API endpoints as the signed-in person.</summary>
    protected ApiInvoker Api => HttpContext.RequestServices.GetRequiredService<ApiInvoker>();

    /// <summary>The signed-in person.</summary>
    public Actor Me => Actor.From(User);

    /// <summary>The problem the last action answered, shown next to its form.</summary>
    public string? Problem { get; protected set; }

    /// <summary>Which form <see cref="Problem"/> belongs to.</summary>
    public string? ProblemFor { get; protected set; }

    /// <summary>Per-field problems of the last action (JSON field name → sentence).</summary>
    public IReadOnlyDictionary<string, string> FieldProblems { get; protected set; } = new Dictionary<string, string>();

    /// <summary>What the last action did, after the redirect (a fixed sentence chosen by the page, never the query text).</summary>
    public string? Done { get; protected set; }

    /// <summary>Now, by the service's clock.</summary>
    public Instant Now => HttpContext.RequestServices.GetRequiredService<IClock>().GetCurrentInstant();

    /// <summary>The person's time zone: their setting, else UTC.</summary>
    public DateTimeZone Zone =>
        Request.Cookies[TimeZoneCookie] is { Length: > 0 } id && DateTimeZoneProviders.Tzdb.GetZoneOrNull(id) is { } zone ? zone : DateTimeZone.Utc;

    /// <summary>Keeps a refused action's problem for the page to show by the form named <paramref name="form"/>.</summary>
    protected void Refused(ApiAnswer answer, string form)
    {
        ArgumentNullException.ThrowIfNull(answer);
        // A 400 from validation says "One or more fields are invalid."; the field sentences are what a person needs.
        Problem = answer.FieldErrors.Count > 0 ? string.Join(" ", answer.FieldErrors.Values) : answer.Problem;
        ProblemFor = form;
        FieldProblems = answer.FieldErrors;
        Response.StatusCode = answer.Status is >= 400 and < 500 ? answer.Status : StatusCodes.Status400BadRequest;
    }

    /// <summary>A time in the person's zone with "3 minutes ago", and the ISO instant as a tooltip.</summary>
    public IHtmlContent When(Instant at)
    {
        var local = at.InZone(Zone);
        var iso = InstantPattern.General.Format(at);
        var shown = local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " " + Zone.GetZoneInterval(at).Name;
        return new HtmlString($"<time datetime=\"{iso}\" title=\"{iso}\">{WebUtility.HtmlEncode(shown)} <span class=\"ago\">({Ago(at, Now)})</span></time>");
    }

    /// <summary>A JSON instant (ISO text) shown like <see cref="When(Instant)"/>; a dash when absent.</summary>
    public IHtmlContent When(JsonElement at) => InstantOf(at) is { } instant ? When(instant) : new HtmlString("—");

    /// <summary>A JSON time as an instant: ISO with an offset, or a UTC time without one (as DateTime columns are written).</summary>
    public static Instant? InstantOf(JsonElement at)
    {
        if (at.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var text = at.GetString()!;
        if (InstantPattern.ExtendedIso.Parse(text) is { Success: true } parsed)
        {
            return parsed.Value;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? Instant.FromDateTimeOffset(value)
            : null;
    }

    /// <summary>"3 minutes ago", "in 2 hours", "just now".</summary>
    public static string Ago(Instant at, Instant now)
    {
        var span = now - at;
        var future = span < Duration.Zero;
        var abs = future ? -span : span;
        string amount;
        if (abs < Duration.FromSeconds(45))
        {
            return "just now";
        }

        if (abs < Duration.FromMinutes(90))
        {
            amount = Plural((long)Math.Max(1, Math.Round(abs.TotalMinutes)), "minute");
        }
        else if (abs < Duration.FromHours(36))
        {
            amount = Plural((long)Math.Round(abs.TotalHours), "hour");
        }
        else
        {
            amount = Plural((long)Math.Round(abs.TotalDays), "day");
        }

        return future ? "in " + amount : amount + " ago";
    }

    private static string Plural(long n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";

    /// <summary>A JSON property as text ("" when absent or null).</summary>
    public static string Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString() ?? "",
                JsonValueKind.Null or JsonValueKind.Undefined => "",
                _ => value.GetRawText(),
            }
            : "";

    /// <summary>A JSON property, or an undefined element.</summary>
    public static JsonElement Get(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    /// <summary>The items of a JSON array property (none when absent).</summary>
    public static IEnumerable<JsonElement> Each(JsonElement element, string name) =>
        Get(element, name) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    /// <summary>An event type as words: "PromotionApproved" or "promotion_approved" → "Promotion approved".</summary>
    public static string Words(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var text = new System.Text.StringBuilder(type.Length + 8);
        foreach (var c in type.Replace('_', ' ').Replace('-', ' '))
        {
            if (char.IsUpper(c) && text.Length > 0 && text[^1] != ' ')
            {
                text.Append(' ');
            }

            text.Append(text.Length == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
        }

        return text.ToString();
    }

    /// <summary>A URL path segment.</summary>
    public static string Seg(string value) => Uri.EscapeDataString(value);
}
