using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Governance.EventLog.Tests.Infrastructure;

/// <summary>
/// Records every event it is given, keyed by sequence number and counting how often each was applied, so a test
/// can prove exactly-once delivery. A <c>thing_created</c> named "poison" makes it throw, as a bug in projection
/// code would.
/// </summary>
public sealed partial class RecordingProjection : EventProjection
{
    public const string Table = "governance.recorded";

    private const string Upsert =
        $"INSERT INTO {Table} (seq_id, stream_id, version, applied) VALUES (?, ?, ?, 1) " +
        $"ON CONFLICT (seq_id) DO UPDATE SET applied = {Table}.applied + 1";

    public RecordingProjection()
    {
        var table = new Table(new PostgresqlObjectName("governance", "recorded", SchemaUtils.IdentifierUsage.General));
        table.AddColumn<long>("seq_id").AsPrimaryKey();
        table.AddColumn<string>("stream_id").NotNull();
        table.AddColumn<long>("version").NotNull();
        table.AddColumn<int>("applied").NotNull();
        SchemaObjects.Add(table);
        Options.DeleteDataInTableOnTeardown(table.Identifier.QualifiedName);
    }

    public void Project(IEvent<ThingCreated> e, IDocumentOperations ops)
    {
        if (e.Data.Name == "poison")
        {
            throw new InvalidOperationException($"poison event {e.Sequence}");
        }

        Record(e, ops);
    }

    public void Project(IEvent<ThingRenamed> e, IDocumentOperations ops) => Record(e, ops);

    public void Project(IEvent<Counted> e, IDocumentOperations ops) => Record(e, ops);

    private static void Record(IEvent e, IDocumentOperations ops) => ops.QueueSqlCommand(Upsert, e.Sequence, e.StreamKey!, e.Version);
}

/// <summary>The current name of each thing, as an ordinary read model.</summary>
public sealed partial class ThingNames : EventProjection
{
    public const string Table = "governance.thing_names";

    public ThingNames()
    {
        var table = new Table(new PostgresqlObjectName("governance", "thing_names", SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("stream_id").AsPrimaryKey();
        table.AddColumn<string>("name").NotNull();
        table.AddColumn<int>("renames").NotNull();
        table.AddColumn<long>("version").NotNull();
        SchemaObjects.Add(table);
        Options.DeleteDataInTableOnTeardown(table.Identifier.QualifiedName);
    }

    public void Project(IEvent<ThingCreated> e, IDocumentOperations ops) =>
        ops.QueueSqlCommand($"INSERT INTO {Table} (stream_id, name, renames, version) VALUES (?, ?, 0, ?)", e.StreamKey!, e.Data.Name, e.Version);

    public void Project(IEvent<ThingRenamed> e, IDocumentOperations ops) =>
        ops.QueueSqlCommand($"UPDATE {Table} SET name = ?, renames = renames + 1, version = ? WHERE stream_id = ?", e.Data.Name, e.Version, e.StreamKey!);
}
