using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Emit;
using Marten;

namespace Governance.EventLog;

/// <summary>
/// Marten records a stream's type (<c>mt_streams.type</c>) as an alias of a .NET type, and insists on one when a
/// stream starts. The log's stream types are the service's own names (<c>promotion</c>, <c>modelversion</c>…), which
/// the audit feed shows; so each name gets an empty marker type whose alias is exactly that name.
/// </summary>
internal static class StreamTypes
{
    private static readonly ModuleBuilder Module = AssemblyBuilder
        .DefineDynamicAssembly(new AssemblyName("Governance.EventLog.StreamTypes"), AssemblyBuilderAccess.Run)
        .DefineDynamicModule("Governance.EventLog.StreamTypes");

    private static readonly ConcurrentDictionary<string, Type> Markers = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    /// <summary>The marker type for <paramref name="streamType"/>; refuses a name Marten would store differently.</summary>
    public static Type For(IDocumentStore store, string streamType)
    {
        if (Markers.TryGetValue(streamType, out var known))
        {
            return known;
        }

        lock (Gate)
        {
            if (Markers.TryGetValue(streamType, out known))
            {
                return known;
            }

            var marker = Module.DefineType(streamType, TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Class).CreateType();
            var alias = ((Marten.Events.EventGraph)((StoreOptions)store.Options).Events).AggregateAliasFor(marker);
            if (!string.Equals(alias, streamType, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"Stream type '{streamType}' would be stored by Marten as '{alias}'; use lower-case letters, digits and underscores.");
            }

            Markers[streamType] = marker;
            return marker;
        }
    }
}
