using Governance.Api.Tests.Harness;

namespace Governance.Api.Tests.Conventions;

/// <summary>
/// The README's tour is run as <c>ops/tour.sh</c> (against a running service, with <c>set -euo pipefail</c>); the two
/// must not drift apart, or the README shows commands nobody ran.
/// </summary>
public sealed class ReadmeTourTests
{
    private const string ScriptMarker = "# --- below: the README's tour";

    [Fact]
    public void the_readme_tour_is_the_body_of_ops_tour_sh_command_for_command()
    {
        var root = Repository.Root();
        var script = File.ReadAllText(Path.Combine(root, "ops", "tour.sh")).ReplaceLineEndings("\n");
        var marker = script.IndexOf(ScriptMarker, StringComparison.Ordinal);
        marker.ShouldBeGreaterThan(0, $"ops/tour.sh lost its '{ScriptMarker}' line");
        var body = script[(script.IndexOf('\n', marker) + 1)..];
        var firstLine = body[..body.IndexOf('\n', StringComparison.Ordinal)];

        var readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        var start = readme.IndexOf("```bash\n" + firstLine + "\n", StringComparison.Ordinal);
        start.ShouldBeGreaterThan(0, "the README has no bash block starting like ops/tour.sh's tour");
        start += "```bash\n".Length;
        var block = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];

        block.ShouldBe(body);
        script.ShouldContain("set -euo pipefail");
    }
}
