using System.Text.Json;

namespace Governance.Cli.Core;

/// <summary>Metrics, slices and metric-like values as training jobs write them to files.</summary>
public sealed record MetricsFile(
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>? Slices,
    IReadOnlyDictionary<string, double>? ProductMetrics);

/// <summary>Reads the JSON files a command names; a file that is missing or not the expected shape is an error naming the file.</summary>
public static class JsonFiles
{
    /// <summary>A JSON object (e.g. a training configuration), passed on as is.</summary>
    public static JsonElement ReadObject(string path, string option)
    {
        var root = Read(path, option);
        return root.ValueKind == JsonValueKind.Object
            ? root
            : throw new CliException(ExitCodes.Error, $"{option} {path}: expected a JSON object ({{ … }}), found {Kind(root)}.");
    }

    /// <summary>
    /// Metrics as a flat object of numbers (<c>{"auc": 0.93}</c>), or wrapped as <c>{"metrics": {…}, "slices": {…},
    /// "productMetrics": {…}}</c> (other fields of the wrapper, such as an epoch or a run name, are ignored).
    /// </summary>
    public static MetricsFile ReadMetrics(string path, string option)
    {
        var root = ReadObject(path, option);
        if (root.TryGetProperty("metrics", out var wrapped) && wrapped.ValueKind == JsonValueKind.Object)
        {
            return new MetricsFile(
                Numbers(wrapped, path, option, "metrics."),
                root.TryGetProperty("slices", out var slices) && slices.ValueKind != JsonValueKind.Null ? SliceTable(slices, path, option, "slices.") : null,
                root.TryGetProperty("productMetrics", out var product) && product.ValueKind != JsonValueKind.Null ? Numbers(product, path, option, "productMetrics.") : null);
        }

        return new MetricsFile(Numbers(root, path, option, ""), null, null);
    }

    /// <summary>Slices as <c>{"new-customers": {"auc": 0.88}}</c>, or wrapped as <c>{"slices": {…}}</c>.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> ReadSlices(string path, string option)
    {
        var root = ReadObject(path, option);
        return root.TryGetProperty("slices", out var wrapped) && wrapped.ValueKind == JsonValueKind.Object
            ? SliceTable(wrapped, path, option, "slices.")
            : SliceTable(root, path, option, "");
    }

    private static JsonElement Read(string path, string option)
    {
        if (!File.Exists(path))
        {
            throw new CliException(ExitCodes.Error, $"{option} {path}: no such file.");
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Error, $"{option} {path}: not valid JSON ({e.Message})");
        }
    }

    private static Dictionary<string, IReadOnlyDictionary<string, double>> SliceTable(JsonElement element, string path, string option, string prefix)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new CliException(ExitCodes.Error, $"{option} {path}: {prefix.TrimEnd('.')} must be an object of slices, each an object of metrics.");
        }

        var slices = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
        foreach (var slice in element.EnumerateObject())
        {
            if (slice.Value.ValueKind != JsonValueKind.Object)
            {
                throw new CliException(ExitCodes.Error,
                    $"{option} {path}: slice '{prefix}{slice.Name}' must be an object of metrics, e.g. {{\"{slice.Name}\": {{\"auc\": 0.88}}}}; found {Kind(slice.Value)}.");
            }

            slices[slice.Name] = Numbers(slice.Value, path, option, $"{prefix}{slice.Name}.");
        }

        return slices;
    }

    private static Dictionary<string, double> Numbers(JsonElement element, string path, string option, string prefix)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new CliException(ExitCodes.Error, $"{option} {path}: {prefix.TrimEnd('.')} must be an object of numbers.");
        }

        var numbers = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetDouble(out var value))
            {
                throw new CliException(ExitCodes.Error, $"{option} {path}: '{prefix}{property.Name}' is {Kind(property.Value)}, not a number.");
            }

            numbers[property.Name] = value;
        }

        return numbers;
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the text \"{element.GetString()}\"",
        JsonValueKind.True or JsonValueKind.False => element.ToString().ToLowerInvariant(),
        JsonValueKind.Null => "null",
        _ => element.ToString(),
    };
}
