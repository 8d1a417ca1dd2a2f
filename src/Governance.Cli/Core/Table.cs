namespace Governance.Cli.Core;

/// <summary>A plain aligned table: a header in capitals, columns padded to their widest cell, two spaces between.</summary>
public static class Table
{
    public static void Write(TextWriter output, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string?>> rows)
    {
        var cells = rows.Select(r => r.Select(c => c ?? "-").ToList()).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(r => i < r.Count ? r[i].Length : 0))).ToList();
        WriteRow(output, headers.Select(h => h.ToUpperInvariant()).ToList(), widths);
        foreach (var row in cells)
        {
            WriteRow(output, row, widths);
        }
    }

    private static void WriteRow(TextWriter output, List<string> row, List<int> widths)
    {
        var line = string.Join("  ", row.Select((c, i) => i == row.Count - 1 ? c : c.PadRight(widths[i])));
        output.WriteLine(line.TrimEnd());
    }
}
