using System.Reflection;

namespace Governance.Api.Tests.Conventions;

/// <summary>Each feature registers itself in one module in its folder, and Features lists every module once with all its parts.</summary>
public sealed class FeatureModuleTests
{
    private static readonly MethodInfo[] Listed = [.. Features.Modules
        .SelectMany(m => new Delegate?[] { m.Add, m.Events, m.Map })
        .OfType<Delegate>()
        .Select(d => d.Method)];

    private static readonly Type[] Modules = [.. typeof(Features).Assembly.GetTypes()
        .Where(t => t is { IsAbstract: true, IsSealed: true, IsPublic: true } && t.Name.EndsWith("Module", StringComparison.Ordinal))];

    [Fact]
    public void every_module_is_listed_with_each_of_its_registrations()
    {
        Modules.Length.ShouldBeGreaterThan(10);
        var parts = Modules
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.Name.StartsWith("Add", StringComparison.Ordinal) || m.Name == "RegisterEvents" || m.Name.StartsWith("Map", StringComparison.Ordinal));

        parts.Except(Listed).Select(m => $"{m.DeclaringType!.Name}.{m.Name}").ShouldBeEmpty("a module's registration that Features does not list never runs");
    }

    [Fact]
    public void each_module_lives_in_the_folder_of_its_feature_and_is_listed_once()
    {
        foreach (var module in Modules)
        {
            module.Namespace.ShouldBe($"Governance.Api.{module.Name[..^"Module".Length]}");
        }

        Features.Modules.Select(m => (m.Add ?? m.Events ?? (Delegate?)m.Map)!.Method.DeclaringType).ShouldBeUnique();
    }
}
