namespace Governance.Api.Demo;

/// <summary>The operations chapter: on-call, an SLO breach, an incident, a rollback and a postmortem.</summary>
public sealed partial class DemoStory
{
    private static Task ChapterOperationsAsync(CancellationToken ct) => Task.CompletedTask;
}
