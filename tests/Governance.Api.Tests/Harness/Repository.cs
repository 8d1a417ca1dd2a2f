namespace Governance.Api.Tests.Harness;

/// <summary>The clone the tests run from, for tests that read committed files (the README, generated code).</summary>
public static class Repository
{
    /// <summary>The folder holding Governance.sln, above the test output.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Governance.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("No Governance.sln above the test output.");
    }
}
