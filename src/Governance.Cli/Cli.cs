using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Governance.Cli.Audit;
using Governance.Cli.Core;
using Governance.Cli.Deployments;
using Governance.Cli.Docs;
using Governance.Cli.Evaluations;
using Governance.Cli.Lineage;
using Governance.Cli.Promotions;
using Governance.Cli.Registry;

namespace Governance.Cli;

/// <summary>
/// <c>gov</c>: parses the command line, runs one command against the service, and returns the exit code of DESIGN §12.
/// Callable in-process (tests) as well as from <c>Program</c>.
/// </summary>
public static class Cli
{
    private const string Overview = """
        gov: the command-line client of the Governance service, for pipelines and people.

        Configuration: GOV_URL (default http://127.0.0.1:5080) or --url; GOV_TOKEN or --token, else
        .governance/admin.key in this folder or the nearest parent (sent to a loopback URL only).
        Output: tables by default; --output json prints the service's JSON as is (messages go to stderr).
        Exit codes: 0 done, 1 error, 2 usage, 3 refused by a rule (failed evaluation, blocking gate,
        rejection, state conflict), 4 not authenticated or not allowed, 8 still pending after --wait.

        Example: GOV_URL=http://127.0.0.1:5080 GOV_TOKEN=$KEY gov deployments fraud-detector
        """;

    /// <summary>Runs <c>gov</c> with <paramref name="args"/> and returns its exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = Build(context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && !(parse.Action?.ClearsParseErrors ?? false))
        {
            foreach (var error in parse.Errors)
            {
                await context.Err.WriteLineAsync(error.Message);
            }

            var path = string.Join(' ', parse.CommandResult.Command.Parents.OfType<Command>().Reverse().Skip(1).Select(c => c.Name)
                .Append(parse.CommandResult.Command is RootCommand ? "" : parse.CommandResult.Command.Name)).Trim();
            await context.Err.WriteLineAsync($"Run 'gov {(path.Length > 0 ? path + " " : "")}--help' for usage and an example.");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = context.Out, Error = context.Err, EnableDefaultExceptionHandler = false }, ct);
    }

    /// <summary>The whole command tree.</summary>
    public static RootCommand Build(CliContext context)
    {
        var globals = new GlobalOptions();
        var run = new Runner(context, globals);
        var root = new RootCommand(Overview) { globals.Url, globals.Token, globals.Output };
        root.Subcommands.Add(new Command("models", "Models: what is governed.\n\nExample: gov models register fraud-detector --name \"Fraud detector\" --team payments-ml --task-type binary-classification") { RegisterModel.Create(run) });
        root.Subcommands.Add(new Command("datasets", "Dataset versions: what models are trained and evaluated on.\n\nExample: gov datasets register transactions 2026-11-01 --uri s3://data/txns/2026-11-01 --digest sha256:9f2c…") { RegisterDataset.Create(run) });
        root.Subcommands.Add(new Command("versions", "Model versions: the artifacts that move through the stages.\n\nExample: gov versions register fraud-detector 1.4.0 --artifact-uri s3://models/fraud/1.4.0 --digest sha256:0123…") { RegisterVersion.Create(run) });
        root.Subcommands.Add(Evaluate.Create(run));
        root.Subcommands.Add(Promote.Create(run));
        root.Subcommands.Add(Approve.Create(run));
        root.Subcommands.Add(Reject.Create(run));
        root.Subcommands.Add(Deploy.Create(run));
        root.Subcommands.Add(Rollback.Create(run));
        root.Subcommands.Add(ShowDeployments.Create(run));
        root.Subcommands.Add(ShowLineage.Create(run));
        root.Subcommands.Add(WriteDocs.Create(run));
        root.Subcommands.Add(new Command("audit", "The audit log.\n\nExample: gov audit verify") { VerifyAudit.Create(run) });
        ListFirstParagraphs(root);
        return root;
    }

    // A command's own help shows its whole description with the example; a list of commands shows only each one's first paragraph.
    private static void ListFirstParagraphs(RootCommand root)
    {
        if (root.Options.OfType<HelpOption>().FirstOrDefault() is { Action: HelpAction help } option)
        {
            option.Action = new SummariesInLists(help);
        }
    }

    private sealed class SummariesInLists(HelpAction inner) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            foreach (var child in parseResult.CommandResult.Command.Subcommands)
            {
                child.Description = (child.Description ?? "").ReplaceLineEndings("\n").Split("\n\n", 2)[0].ReplaceLineEndings(" ");
            }

            return inner.Invoke(parseResult);
        }
    }
}

/// <summary>Runs a command's body with a session, and turns every failure into its sentence on stderr and its exit code.</summary>
public sealed class Runner(CliContext context, GlobalOptions globals)
{
    public Func<ParseResult, CancellationToken, Task<int>> Action(Func<Session, ParseResult, CancellationToken, Task<int>> body) =>
        async (parse, ct) =>
        {
            try
            {
                var connection = Connection.Resolve(parse.GetValue(globals.Url), parse.GetValue(globals.Token), context);
                using var api = new ApiClient(connection, context.Handler);
                var session = new Session(context, api, parse.GetValue(globals.Output) == "json");
                return await body(session, parse, ct);
            }
            catch (CliException failure)
            {
                await context.Err.WriteLineAsync(failure.Message);
                return failure.ExitCode;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await context.Err.WriteLineAsync("Cancelled.");
                return ExitCodes.Error;
            }
            catch (IOException e)
            {
                await context.Err.WriteLineAsync(e.Message);
                return ExitCodes.Error;
            }
            catch (UnauthorizedAccessException e)
            {
                await context.Err.WriteLineAsync(e.Message);
                return ExitCodes.Error;
            }
        };
}
