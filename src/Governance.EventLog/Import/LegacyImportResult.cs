namespace Governance.EventLog.Import;

/// <summary>
/// What the import of the previous store's log copied. The counts were compared before the import committed: the
/// previous store's <c>governance.events</c> and the event log hold the same events, streams and versions.
/// </summary>
/// <param name="Events">Events copied; equal to the rows of <c>governance.events</c>.</param>
/// <param name="Streams">Streams copied; equal to the streams of <c>governance.events</c>.</param>
/// <param name="StreamsByType">Streams per stream type (<c>mt_streams.type</c>).</param>
/// <param name="FirstSequence">The <c>seq_id</c> of the first imported event in the log.</param>
/// <param name="LastSequence">The <c>seq_id</c> of the last imported event in the log.</param>
/// <param name="Elapsed">How long the import took, from taking its lock to its commit.</param>
/// <param name="BrokenLegacyChains">
/// Streams whose hash chain in <c>governance.events</c> did not verify, imported because the operator accepted it;
/// empty otherwise (an import of a broken chain is refused unless accepted).
/// </param>
public sealed record LegacyImportResult(
    long Events,
    long Streams,
    IReadOnlyDictionary<string, long> StreamsByType,
    long FirstSequence,
    long LastSequence,
    TimeSpan Elapsed,
    IReadOnlyList<string> BrokenLegacyChains);

/// <summary>
/// The previous store's log cannot be imported as it is; nothing was imported and its tables are unchanged. The
/// message says what is wrong and what to do, for the operator who reads the failed start.
/// </summary>
public sealed class LegacyImportRefusedException(string message) : InvalidOperationException(message);
