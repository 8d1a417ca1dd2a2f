using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;

namespace Governance.Cli.Core;

/// <summary>Durations as people type them in a pipeline: <c>30m</c>, <c>90s</c>, <c>2h</c>, <c>1h30m</c>, <c>1d</c>, or ISO-8601 <c>PT30M</c>.</summary>
public static partial class Durations
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            return false;
        }

        if (trimmed[0] is 'P' or 'p')
        {
            try
            {
                value = XmlConvert.ToTimeSpan(trimmed.ToUpperInvariant());
                return value >= TimeSpan.Zero;
            }
            catch (FormatException)
            {
                return false;
            }
            catch (OverflowException)
            {
                return false;
            }
        }

        var match = Short().Match(trimmed);
        if (!match.Success || match.Groups.Cast<Group>().Skip(1).All(g => !g.Success))
        {
            return false;
        }

        static long Part(Match m, string name) => m.Groups[name].Success ? long.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        try
        {
            value = TimeSpan.FromDays(Part(match, "d")) + TimeSpan.FromHours(Part(match, "h")) + TimeSpan.FromMinutes(Part(match, "m"))
                + TimeSpan.FromSeconds(Part(match, "s"));
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>A duration for a sentence: "30m", "1h30m", "45s".</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.FromSeconds(1))
        {
            return $"{value.TotalMilliseconds:0}ms";
        }

        var text = (value.Days > 0 ? $"{value.Days}d" : "") + (value.Hours > 0 ? $"{value.Hours}h" : "") + (value.Minutes > 0 ? $"{value.Minutes}m" : "")
            + (value.Seconds > 0 ? $"{value.Seconds}s" : "");
        return text.Length == 0 ? "0s" : text;
    }

    [GeneratedRegex(@"^(?:(?<d>\d{1,6})d)?(?:(?<h>\d{1,7})h)?(?:(?<m>\d{1,9})m)?(?:(?<s>\d{1,10})s)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Short();
}
