using System.Reflection;
using Governance.Api.Core.Commands;
using JasperFx.Events;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace Governance.Api.Tests.Conventions;

/// <summary>
/// Every command on a stream refuses in its <c>Validate</c> step, where If-Match and the slice's state rules are answered
/// before anything is appended; a handler that skipped it would ignore If-Match.
/// </summary>
public sealed class CommandShapeTests
{
    private static readonly MethodInfo[] StreamCommands = [.. typeof(Features).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
        .Where(m => m.GetCustomAttributes<WolverineHttpMethodAttribute>().Any())
        .Where(m => m.GetParameters().Any(p => p.ParameterType.IsGenericType && p.ParameterType.GetGenericTypeDefinition() == typeof(IEventStream<>)))];

    [Fact]
    public void every_command_on_a_stream_has_a_validate_step_answering_problem_details()
    {
        StreamCommands.Length.ShouldBeGreaterThan(30);
        StreamCommands
            .Where(m => m.DeclaringType!.GetMethod("Validate", BindingFlags.Public | BindingFlags.Static) is not { ReturnType: var type } || type != typeof(ProblemDetails))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")
            .ShouldBeEmpty("a stream command without Validate would append without checking If-Match or its state rules");
    }

    [Fact]
    public void no_decider_returns_a_refusal_and_events_in_one_value()
    {
        typeof(StreamCommand).Assembly.GetTypes().Select(t => t.Name).ShouldNotContain("Decision");
    }
}
