using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using FluentValidation;
using FluentValidation.Validators;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Governance.Api.Core.OpenApi;

/// <summary>
/// Makes every schema of the document say what the wire carries, from the types and validators themselves:
/// <list type="bullet">
/// <item>A request field is required when its validator refuses to go without it (an unconditional NotNull or
/// NotEmpty); every other request field may be left out. A required field does not accept null either.</item>
/// <item>A response field is required when its type cannot be null: the service leaves null fields out
/// (<c>WhenWritingNull</c>), so a nullable one may be absent, and says so with <c>null</c> in its type.</item>
/// <item>Types with their own converters (instants, durations, strings) are strings with their format, also as list
/// items and map values, where the schema generator sees only "anything".</item>
/// <item>Enums list their values; whether null is allowed is the field's business, not the enum's.</item>
/// <item>Problem details carry extension members (<c>traceId</c>, <c>errors</c>).</item>
/// </list>
/// </summary>
internal sealed class WireSchemas : IOpenApiSchemaTransformer
{
    private readonly ConcurrentDictionary<Type, Checked?> checkedByValidators = new();
    private Dictionary<Type, IValidator>? validators;

    /// <inheritdoc />
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        // A query parameter bound by TryParse (QueryInstant) is described as a string; its own type says more.
        var type = context.JsonPropertyInfo is null && context.ParameterDescription is { Source.IsFromRequest: true } parameter
            && parameter.Source != Microsoft.AspNetCore.Mvc.ModelBinding.BindingSource.Body
            ? parameter.Type
            : context.JsonTypeInfo.Type;
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (WireFormats.TryGetValue(underlying, out var wire))
        {
            // The generator cannot see through the converter, nor, then, the field's nullability.
            var nullable = (schema.Type ?? 0).HasFlag(JsonSchemaType.Null) || context.JsonPropertyInfo is { } field && CanBeNull(field);
            schema.Type = JsonSchemaType.String | (nullable ? JsonSchemaType.Null : 0);
            schema.Format = wire;
        }

        var info = context.JsonTypeInfo;
        if (info.Kind == JsonTypeInfoKind.Enumerable && schema.Items is null && Element(info.ElementType) is { } item)
        {
            schema.Items = item;
        }

        if (info.Kind == JsonTypeInfoKind.Dictionary && schema.AdditionalProperties is null && Element(info.ElementType) is { } value)
        {
            schema.AdditionalProperties = value;
        }

        if (underlying.IsEnum && schema.Enum is { Count: > 0 } values)
        {
            schema.Enum = [.. values.Where(v => v is not null)];
            schema.Type = JsonSchemaType.String;
        }

        if (typeof(ProblemDetails).IsAssignableFrom(info.Type))
        {
            DescribeProblem(schema);
        }
        else if (info.Kind == JsonTypeInfoKind.Object && schema.Properties is { Count: > 0 } properties)
        {
            Require(schema, properties, info, CheckedByValidator(info.Type, context.ApplicationServices));
            DescribeWords(properties, info);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Component names: the type's name, as the generator has it, unless another type of the service has the same name
    /// (every command has its own nested <c>Created</c>); then the declaring type's name (or namespace's last part) comes
    /// first, <c>AddKnowledgeNoteCreated</c>, so two different shapes never share one component.
    /// </summary>
    public static string? ReferenceId(JsonTypeInfo info)
    {
        var id = OpenApiOptions.CreateDefaultSchemaReferenceId(info);
        var type = info.Type;
        if (id is null || !Ambiguous.Value.Contains(type.Name))
        {
            return id;
        }

        return (type.DeclaringType?.Name ?? type.Namespace?.Split('.')[^1] ?? "") + id;
    }

    private static readonly Lazy<HashSet<string>> Ambiguous = new(() =>
    [
        .. typeof(WireSchemas).Assembly.GetTypes()
            .Where(t => !t.Name.Contains('<', StringComparison.Ordinal))
            .GroupBy(t => t.Name)
            .Where(g => g.Count() > 1)
            .Select(g => g.Key),
    ]);

    private static readonly Dictionary<Type, string?> WireFormats = new()
    {
        [typeof(string)] = null,
        [typeof(NodaTime.Instant)] = "date-time",
        [typeof(Time.QueryInstant)] = "date-time",
        [typeof(NodaTime.LocalDate)] = "date",
        [typeof(NodaTime.LocalTime)] = "time",
        [typeof(NodaTime.Duration)] = "duration",
        [typeof(NodaTime.DateTimeZone)] = null,
    };

    private static OpenApiSchema? Element(Type? type) =>
        type is not null && WireFormats.TryGetValue(Nullable.GetUnderlyingType(type) ?? type, out var format)
            ? new OpenApiSchema { Type = JsonSchemaType.String, Format = format }
            : null;

    // A field read by a converter that takes more spellings than the enum's own names (an alert's severity takes
    // critical/warning/info besides SEV1–SEV4) lists every spelling it accepts, not only the enum's.
    private static void DescribeWords(IDictionary<string, IOpenApiSchema> properties, JsonTypeInfo info)
    {
        foreach (var property in info.Properties)
        {
            if (property.CustomConverter is IAcceptedWords words && properties.ContainsKey(property.Name))
            {
                properties[property.Name] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String | (CanBeNull(property) ? JsonSchemaType.Null : 0),
                    Enum = [.. words.Accepted.Select(w => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(w))],
                };
            }
        }
    }

    private static void Require(OpenApiSchema schema, IDictionary<string, IOpenApiSchema> properties, JsonTypeInfo info, Checked? validated)
    {
        var required = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in info.Properties)
        {
            if (properties.ContainsKey(property.Name)
                && (property.IsRequired || (validated is null ? !CanBeNull(property) : validated.Required.Contains(property.Name))))
            {
                required.Add(property.Name);
            }
        }

        schema.Required = required;
        if (validated is { Dependent.Count: > 0 })
        {
            string? Wire(string name) => info.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.Name;
            schema.DependentRequired = validated.Dependent
                .Where(d => Wire(d.Key) is not null)
                .ToDictionary(d => Wire(d.Key)!, d => new HashSet<string>(d.Value.Select(Wire).OfType<string>()));
        }
    }

    /// <summary>
    /// After the components are built: a required field does not take null (a request's validator refuses null as it
    /// refuses absence; a response's required fields are the ones whose type cannot be null). The generator describes a
    /// nullable reference as <c>oneOf: [null, $ref]</c>, which only the finished document shows.
    /// </summary>
    public static void RequiredIsNotNull(OpenApiDocument document)
    {
        foreach (var schema in (document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>()).Values.OfType<OpenApiSchema>())
        {
            if (schema.Required is not { Count: > 0 } required || schema.Properties is not { } properties)
            {
                continue;
            }

            foreach (var name in required)
            {
                if (!properties.TryGetValue(name, out var property) || property is not OpenApiSchema concrete)
                {
                    continue;
                }

                if (concrete.OneOf is { Count: 2 } options && options.Count(IsNull) == 1 && concrete.Properties is null && concrete.Type is null)
                {
                    properties[name] = options.Single(o => !IsNull(o));
                }
                else if (concrete.Type is { } type && type.HasFlag(JsonSchemaType.Null) && type != JsonSchemaType.Null)
                {
                    concrete.Type = type & ~JsonSchemaType.Null;
                }
            }
        }
    }

    private static bool IsNull(IOpenApiSchema schema) => schema is OpenApiSchema { Type: JsonSchemaType.Null };

    private static bool CanBeNull(JsonPropertyInfo property) =>
        Nullable.GetUnderlyingType(property.PropertyType) is not null || (!property.PropertyType.IsValueType && property.IsGetNullable);

    private static void DescribeProblem(OpenApiSchema schema)
    {
        // Extension members (traceId, errors, …) travel next to the standard ones.
        schema.AdditionalPropertiesAllowed = true;
        schema.AdditionalProperties = null;
        schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
        schema.Properties["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's trace id, for support." };
        if (schema.Properties.TryGetValue("errors", out var errors) && errors is OpenApiSchema map)
        {
            map.AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } };
        }

        schema.Required = new HashSet<string>(StringComparer.Ordinal) { "title", "status" };
    }

    /// <summary>What a validator demands of a type's fields (names as the rules spell them, matched to the wire in any case).</summary>
    private sealed record Checked(IReadOnlySet<string> Required, IReadOnlyDictionary<string, string[]> Dependent);

    /// <summary>
    /// The fields the validator of <paramref name="type"/> refuses to go without, and those it requires when another is
    /// given; null when no validator checks the type (it is not a request).
    /// </summary>
    private Checked? CheckedByValidator(Type type, IServiceProvider services) =>
        checkedByValidators.GetOrAdd(type, t =>
        {
            validators ??= Validators(services);
            if (!validators.TryGetValue(t, out var validator))
            {
                return null;
            }

            var required = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var dependent = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
            foreach (var rule in (IEnumerable<FluentValidation.IValidationRule>)validator)
            {
                if (rule.PropertyName is not { Length: > 0 } name || name.Contains('.', StringComparison.Ordinal) || IsCollectionRule(rule))
                {
                    continue;
                }

                foreach (var component in rule.Components.Where(c => !c.HasCondition && !c.HasAsyncCondition))
                {
                    if (component.Validator is INotNullValidator or INotEmptyValidator)
                    {
                        required.Add(name);
                    }
                    else if (component.Validator is Validation.IRequiredWith with)
                    {
                        (dependent.TryGetValue(with.Other, out var fields) ? fields : dependent[with.Other] = []).Add(name);
                    }
                }
            }

            return new Checked(required, dependent.ToDictionary(d => d.Key, d => d.Value.ToArray(), StringComparer.OrdinalIgnoreCase));
        });

    /// <summary>Every validator by the type it checks: the registered ones and the nested ones they hand elements to.</summary>
    private static Dictionary<Type, IValidator> Validators(IServiceProvider services)
    {
        var found = new Dictionary<Type, IValidator>();
        var roots = typeof(WireSchemas).Assembly.GetTypes()
            .SelectMany(t => t.IsAbstract ? [] : t.GetInterfaces())
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IValidator<>))
            .Select(i => i.GetGenericArguments()[0])
            .Distinct();
        foreach (var checkedType in roots)
        {
            if (services.GetService(typeof(IValidator<>).MakeGenericType(checkedType)) is IValidator validator)
            {
                Collect(checkedType, validator, found);
            }
        }

        return found;
    }

    private static void Collect(Type checkedType, IValidator validator, Dictionary<Type, IValidator> found)
    {
        if (!found.TryAdd(checkedType, validator) || validator is not IEnumerable<FluentValidation.IValidationRule> rules)
        {
            return;
        }

        foreach (var rule in rules)
        {
            foreach (var component in rule.Components)
            {
                if (component.Validator is IChildValidatorAdaptor && Child(component.Validator) is { } child)
                {
                    Collect(rule.TypeToValidate, child, found);
                }
            }
        }
    }

    // SetValidator(new X()) and ChildRules(…) hold their validator; asking for it takes a context, though none is read.
    private static IValidator? Child(object adaptor)
    {
        var method = adaptor.GetType().GetMethod("GetValidator", BindingFlags.Public | BindingFlags.Instance);
        if (method?.GetParameters() is not [{ ParameterType: { IsGenericType: true } contextType }, _])
        {
            return null;
        }

        try
        {
            var context = contextType.GetConstructor([contextType.GetGenericArguments()[0]])?.Invoke([null]);
            return method.Invoke(adaptor, [context, null]) as IValidator;
        }
        catch (TargetInvocationException)
        {
            return null;
        }
    }

    private static bool IsCollectionRule(FluentValidation.IValidationRule rule) =>
        rule.GetType().GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICollectionRule<,>));
}
