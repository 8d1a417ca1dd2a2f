using Governance.Api.Tests.Harness;
using Governance.Cli.Core;
using Governance.Cli.Tests.Harness;

namespace Governance.Cli.Tests;

/// <summary>gov docs (Markdown or HTML, to a file or stdout) and gov audit verify on an intact log.</summary>
public sealed class DocsAndAuditCommandTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    private static Dictionary<string, string?> Environment => new() { ["GOV_URL"] = GovRunner.Url, ["GOV_TOKEN"] = GovernanceApp.AdminKey };

    [Fact]
    public async Task docs_are_written_as_markdown_to_the_file_named_or_to_stdout()
    {
        await app.ModelWithVersionAsync("doc-fraud");
        await app.WaitForNonStaleProjectionsAsync();
        var folder = GovRunner.NewFolder();

        var run = (await app.GovWith(Environment, folder, "docs", "doc-fraud", "-o", "site/doc-fraud.md")).ShouldExit(ExitCodes.Done);
        var written = await File.ReadAllTextAsync(Path.Combine(folder, "site", "doc-fraud.md"));
        run.Out.ShouldBe($"Wrote site/doc-fraud.md ({System.Text.Encoding.UTF8.GetByteCount(written)} bytes).{System.Environment.NewLine}");
        written.ShouldStartWith("# Model doc-fraud");
        written.ShouldContain("doc-fraud@1.0.0");

        var stdout = (await app.Gov("docs", "doc-fraud")).ShouldExit(ExitCodes.Done);
        stdout.Out.ShouldBe(written);
    }

    [Fact]
    public async Task docs_are_written_as_html_with_html()
    {
        await app.ModelWithVersionAsync("doc-html");
        await app.WaitForNonStaleProjectionsAsync();
        var folder = GovRunner.NewFolder();
        (await app.GovWith(Environment, folder, "docs", "doc-html", "--html", "--file", "doc.html")).ShouldExit(ExitCodes.Done);
        var html = await File.ReadAllTextAsync(Path.Combine(folder, "doc.html"));
        html.ShouldContain("<html", Case.Insensitive);
        html.ShouldContain("doc-html");
    }

    [Fact]
    public async Task docs_of_a_model_that_does_not_exist_are_an_error()
    {
        var run = (await app.Gov("docs", "doc-nobody")).ShouldExit(ExitCodes.Error);
        run.Err.ShouldStartWith("Not found: ");
        run.Out.ShouldBeEmpty();
    }

    [Fact]
    public async Task an_intact_log_verifies_with_exit_0()
    {
        await app.CreatePrincipalAsync("audit-pat", GovernanceApp.Role.Viewer);
        var run = (await app.Gov("audit", "verify")).ShouldExit(ExitCodes.Done);
        run.Out.ShouldMatch(@"^Verified: \d+ streams, \d+ events; every hash chain is intact\.\r?\n$");

        var json = (await app.Gov("audit", "verify", "--output", "json")).ShouldExit(ExitCodes.Done);
        json.Json.GetProperty("verified").GetBoolean().ShouldBeTrue();
        json.Json.GetProperty("events").GetInt64().ShouldBeGreaterThan(0);
    }
}

/// <summary>gov audit verify on a log someone rewrote (its own service, since the tampering is for good).</summary>
public sealed class TamperedLogTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task a_broken_hash_chain_is_listed_and_exits_1()
    {
        await app.CreatePrincipalAsync("tamper-pat", GovernanceApp.Role.Viewer);
        await app.ExecuteSqlAsync("""
            ALTER TABLE governance.mt_events DISABLE TRIGGER log_no_update;
            UPDATE governance.mt_events SET data = jsonb_set(data, '{roles}', '["admin"]') WHERE stream_id = 'principal-tamper-pat';
            ALTER TABLE governance.mt_events ENABLE TRIGGER log_no_update;
            """);

        var run = (await app.Gov("audit", "verify")).ShouldExit(ExitCodes.Error);
        run.Out.ShouldMatch(@"STREAM\s+VERSION\s+SEQ\s+REASON");
        run.Out.ShouldContain("principal-tamper-pat");
        run.Err.ShouldMatch(@"^The audit log is NOT intact: 1 broken chain\(s\) in \d+ streams\.");
    }
}

/// <summary>Keys: a wrong one, none, and the local key file, each with the exit code and sentence a pipeline needs.</summary>
public sealed class AuthenticationTests(GovernanceApp app) : IClassFixture<GovernanceApp>
{
    [Fact]
    public async Task a_wrong_key_is_not_authenticated_and_exits_4_saying_where_the_key_came_from()
    {
        var run = (await app.GovAs("gov_not-a-real-key-0123456789abcdefghijklmnop", "deployments", "any")).ShouldExit(ExitCodes.NotAllowed);
        var lines = run.Err.TrimEnd().Split(System.Environment.NewLine);
        lines[0].ShouldStartWith("Unauthorized: ");
        lines[1].ShouldBe("  The key came from GOV_TOKEN.");
    }

    [Fact]
    public async Task no_key_at_all_exits_4_and_says_how_to_give_one()
    {
        // Not a loopback URL, so no key file is looked for, wherever the tests run.
        var run = (await app.GovWith(new Dictionary<string, string?> { ["GOV_URL"] = "http://governance.test" }, GovRunner.NewFolder(), "audit", "verify"))
            .ShouldExit(ExitCodes.NotAllowed);
        run.Err.ShouldContain("No API key was sent: set GOV_TOKEN or pass --token");
    }

    [Fact]
    public async Task the_admin_key_file_of_a_local_service_is_used_from_a_subfolder()
    {
        var root = GovRunner.NewFolder();
        Directory.CreateDirectory(Path.Combine(root, ".governance"));
        await File.WriteAllTextAsync(Path.Combine(root, ".governance", "admin.key"), GovernanceApp.AdminKey + "\n");
        var nested = Directory.CreateDirectory(Path.Combine(root, "pipelines", "train")).FullName;

        (await app.GovWith(new Dictionary<string, string?> { ["GOV_URL"] = GovRunner.Url }, nested, "audit", "verify")).ShouldExit(ExitCodes.Done);
    }

    [Fact]
    public async Task the_token_flag_wins_over_the_environment()
    {
        var run = await app.GovWith(new Dictionary<string, string?> { ["GOV_URL"] = GovRunner.Url, ["GOV_TOKEN"] = "gov_wrong" }, GovRunner.NewFolder(),
            "audit", "verify", "--token", GovernanceApp.AdminKey);
        run.ShouldExit(ExitCodes.Done);
    }
}
