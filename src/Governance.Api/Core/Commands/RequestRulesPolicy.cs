using System.Reflection;
using Governance.Api.Core.Json;
using JasperFx;
using JasperFx.CodeGeneration;
using Wolverine.Http;

namespace Governance.Api.Core.Commands;

/// <summary>
/// Gives Wolverine endpoints the request rules every endpoint has (Core/Requests): their JSON body is read first with
/// the service's sentences for a bad body.
/// </summary>
public sealed class RequestRulesPolicy : IHttpPolicy
{
    /// <inheritdoc />
    public void Apply(IReadOnlyList<HttpChain> chains, GenerationRules rules, IServiceContainer container)
    {
        ArgumentNullException.ThrowIfNull(chains);
        foreach (var chain in chains)
        {
            if (chain.HasRequestType)
            {
                chain.Metadata.WithMetadata(new JsonBodyRead());
                if (chain.Method.Method.GetCustomAttribute<YamlBodyAttribute>() is not null)
                {
                    // Added after Wolverine's own (JSON only), so it is the one routing and the document go by.
                    chain.Metadata.Accepts(chain.RequestType, false, "application/json", [.. YamlJson.MediaTypes]);
                }
            }
        }
    }
}

/// <summary>Marks an endpoint whose JSON body is read (and refused with the service's problem sentences) before Wolverine reads it.</summary>
public sealed class JsonBodyRead;
