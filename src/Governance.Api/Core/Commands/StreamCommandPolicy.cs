using JasperFx;
using JasperFx.CodeGeneration;
using JasperFx.Events;
using Wolverine.Http;

namespace Governance.Api.Core.Commands;

/// <summary>Marks an endpoint that decides on one stream and honours <c>If-Match</c>, for its place in the OpenAPI document.</summary>
public sealed class StreamCommandMetadata;

/// <summary>
/// Marks every Wolverine endpoint that loads a stream to write (an <see cref="IEventStream{T}"/> parameter): it honours
/// If-Match and answers 409 and 412, and the document says so.
/// </summary>
public sealed class StreamCommandPolicy : IHttpPolicy
{
    /// <inheritdoc />
    public void Apply(IReadOnlyList<HttpChain> chains, GenerationRules rules, IServiceContainer container)
    {
        ArgumentNullException.ThrowIfNull(chains);
        foreach (var chain in chains.Where(c => c.Method.Method.GetParameters()
                     .Any(p => p.ParameterType.IsGenericType && p.ParameterType.GetGenericTypeDefinition() == typeof(IEventStream<>))))
        {
            chain.Metadata.WithMetadata(new StreamCommandMetadata());
        }
    }
}
