using Governance.Api.Tests.Harness;
using Governance.Processes;
using Shouldly;

namespace Governance.Api.Tests.Conventions;

/// <summary>
/// The service loads Wolverine's generated endpoint code statically from what is committed under
/// <c>src/Governance.Api/Internal/Generated</c>. Wolverine cannot tell when that code no longer matches the endpoints,
/// so this test regenerates it from the built service and compares, file by file.
/// </summary>
public sealed class GeneratedCodeTests
{
    [Fact]
    public async Task the_committed_generated_code_is_what_the_endpoints_generate_now()
    {
        var database = await TestDatabase.CreateAsync();
        var output = Path.Combine(Path.GetTempPath(), "governance-codegen-" + Guid.NewGuid().ToString("N"));
        try
        {
            var run = await ServiceProcess.RunToExitAsync(["codegen", "write"], output + "-data", TimeSpan.FromMinutes(3), database,
                new Dictionary<string, string> { ["Governance__GeneratedCodePath"] = output });
            run.ExitCode.ShouldBe(0, $"codegen write failed:\n{run.Output}\n{run.Error}");

            var committed = Path.Combine(Repository.Root(), "src", "Governance.Api", "Internal", "Generated");
            var fresh = Files(output);
            var kept = Files(committed);
            kept.Keys.Order().ShouldBe(fresh.Keys.Order(),
                "the generated files differ from the committed ones: run `dotnet run --project src/Governance.Api -- codegen write` and commit Internal/Generated");
            foreach (var (file, code) in fresh)
            {
                kept[file].ShouldBe(code, $"{file} is stale: run `dotnet run --project src/Governance.Api -- codegen write` and commit Internal/Generated");
            }
        }
        finally
        {
            foreach (var folder in new[] { output, output + "-data" }.Where(Directory.Exists))
            {
                Directory.Delete(folder, recursive: true);
            }

            await TestDatabase.DropAsync(database);
        }
    }

    private static Dictionary<string, string> Files(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), f => File.ReadAllText(f).ReplaceLineEndings("\n"));
}
