using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Security.Claims;
using Governance.Api.Core.Time;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;

namespace Governance.Api.Core.Requests;

/// <summary>A query parameter an endpoint declares: its name on the wire and the type it binds to.</summary>
public sealed record QueryParameter(string Name, Type Type)
{
    /// <summary>Whether the parameter takes several values (<c>?tag=a&amp;tag=b</c>).</summary>
    public bool Repeatable => Type.IsArray || Type == typeof(StringValues);

    /// <summary>
    /// The enum member <paramref name="value"/> names in any case, spelt as declared (the binder is case-sensitive;
    /// the document lists camelCase names); null when the parameter is not an enum or the value names none.
    /// </summary>
    public string? EnumSpelling(string value) =>
        ValueType.IsEnum ? Enum.GetNames(ValueType).FirstOrDefault(n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase)) : null;

    private Type ValueType
    {
        get
        {
            var type = Type.IsArray ? Type.GetElementType()! : Type;
            return Nullable.GetUnderlyingType(type) ?? type;
        }
    }

    /// <summary>Why <paramref name="value"/> cannot bind to this parameter, as a predicate; null when it can.</summary>
    public string? Problem(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            return "must not contain NUL characters";
        }

        var type = ValueType;
        var invariant = CultureInfo.InvariantCulture;
        return type switch
        {
            _ when type == typeof(string) || type == typeof(StringValues) => null,
            _ when type == typeof(QueryInstant) => QueryInstant.TryRead(value, out _, out var error) ? null : error,
            _ when type == typeof(bool) => bool.TryParse(value, out _) ? null : "must be true or false",
            _ when type == typeof(int) => int.TryParse(value, NumberStyles.AllowLeadingSign, invariant, out _)
                ? null
                : string.Create(invariant, $"must be a whole number such as 50 (at most {int.MaxValue})"),
            _ when type == typeof(long) => long.TryParse(value, NumberStyles.AllowLeadingSign, invariant, out _)
                ? null
                : string.Create(invariant, $"must be a whole number such as 50 (at most {long.MaxValue})"),
            _ when type == typeof(double) => double.TryParse(value, NumberStyles.Float, invariant, out var d) && double.IsFinite(d) ? null : "must be a number such as 0.5",
            _ when type.IsEnum => Enum.GetNames(type).Any(n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase))
                ? null
                : $"must be one of: {string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))}",
            _ => null,
        };
    }
}

/// <summary>
/// The query parameters of an endpoint, read from its handler's signature the way minimal APIs bind it (the same
/// source the OpenAPI document is built from), so a new endpoint is covered without registering anything.
/// </summary>
public static class QueryParameters
{
    private static readonly ConcurrentDictionary<Endpoint, IReadOnlyList<QueryParameter>?> Cache = new();

    private static readonly HashSet<Type> Special =
    [
        typeof(HttpContext), typeof(HttpRequest), typeof(HttpResponse), typeof(CancellationToken), typeof(ClaimsPrincipal),
        typeof(Stream), typeof(System.IO.Pipelines.PipeReader), typeof(IFormFile), typeof(IFormFileCollection), typeof(IFormCollection),
    ];

    /// <summary>
    /// The declared query parameters; null when the endpoint is not a route handler or binds in a way this cannot see
    /// (<c>[AsParameters]</c>), in which case its query string is left alone.
    /// </summary>
    public static IReadOnlyList<QueryParameter>? Of(Endpoint endpoint) => Cache.GetOrAdd(endpoint, Discover);

    /// <summary>
    /// Declares query parameters a handler reads by hand (<c>HttpContext.Request.Query</c>) rather than as parameters,
    /// so that they are not refused as unknown.
    /// </summary>
    public static TBuilder AcceptsQuery<TBuilder>(this TBuilder builder, params string[] names)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AcceptsQueryMetadata(names));

    private static IReadOnlyList<QueryParameter>? Discover(Endpoint endpoint)
    {
        if (HandlerMethods(endpoint) is not { } methods)
        {
            return null;
        }

        var byHand = endpoint.Metadata.GetOrderedMetadata<AcceptsQueryMetadata>().SelectMany(m => m.Names).Select(n => new QueryParameter(n, typeof(string)));

        var routeNames = (endpoint as RouteEndpoint)?.RoutePattern.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];
        var found = new List<QueryParameter>();
        foreach (var parameter in methods.SelectMany(m => m.GetParameters()))
        {
            var attributes = parameter.GetCustomAttributes(inherit: true);
            if (attributes.OfType<AsParametersAttribute>().Any())
            {
                return null;
            }

            if (attributes.OfType<IFromQueryMetadata>().FirstOrDefault() is { } fromQuery)
            {
                found.Add(new QueryParameter(fromQuery.Name ?? parameter.Name!, parameter.ParameterType));
                continue;
            }

            var explicitSource = attributes.Any(a => a is IFromRouteMetadata or IFromHeaderMetadata or IFromBodyMetadata or IFromServiceMetadata or IFromFormMetadata
                or FromKeyedServicesAttribute);
            if (!explicitSource && !routeNames.Contains(parameter.Name!) && IsQueryBindable(parameter.ParameterType))
            {
                found.Add(new QueryParameter(parameter.Name!, parameter.ParameterType));
            }
        }

        return [.. found, .. byHand];
    }

    // A minimal API names its handler in its metadata. A Wolverine endpoint names its chain instead: the endpoint method
    // and the methods of its class that run first (Before, Load…), which Wolverine binds from the query string alike.
    private static IEnumerable<MethodInfo>? HandlerMethods(Endpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<MethodInfo>() is { } method)
        {
            return [method];
        }

        if (endpoint.Metadata.GetMetadata<Wolverine.Http.HttpChain>() is { } chain)
        {
            return [chain.Method.Method, .. chain.Middleware.OfType<JasperFx.CodeGeneration.Frames.MethodCall>()
                .Where(call => call.HandlerType == chain.Method.HandlerType).Select(call => call.Method)];
        }

        return null;
    }

    private static bool IsQueryBindable(Type type)
    {
        if (Special.Contains(type) || type == typeof(StringValues))
        {
            return type == typeof(StringValues);
        }

        if (type.IsArray)
        {
            type = type.GetElementType()!;
        }

        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string) || type.IsPrimitive || type.IsEnum || type == typeof(decimal) || type == typeof(Guid))
        {
            return true;
        }

        const BindingFlags statics = BindingFlags.Public | BindingFlags.Static;
        if (type.GetMethod("BindAsync", statics) is not null)
        {
            return false;
        }

        return type.GetMethods(statics).Any(m => m.Name == "TryParse" && m.ReturnType == typeof(bool)
            && m.GetParameters() is [{ ParameterType: var text }, .., { IsOut: true }] && text == typeof(string));
    }
}

/// <summary>Query parameters an endpoint reads by hand (see <see cref="QueryParameters.AcceptsQuery"/>).</summary>
public sealed record AcceptsQueryMetadata(IReadOnlyList<string> Names);
