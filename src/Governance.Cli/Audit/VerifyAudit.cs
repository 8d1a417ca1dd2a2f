using System.CommandLine;
using Governance.Cli.Core;

namespace Governance.Cli.Audit;

/// <summary><c>gov audit verify</c>: GET /audit/verify; exit 1 when a hash chain is broken.</summary>
public static class VerifyAudit
{
    public static Command Create(Runner run)
    {
        var command = new Command("verify", """
            Recompute every stream's hash chain: proof that nobody rewrote history. Exits 1 when a chain is broken.

            Example: gov audit verify
            """);
        command.SetAction(run.Action(async (session, parse, ct) =>
        {
            var response = await session.Api.GetAsync("audit/verify", ct);
            var report = response.Json();
            var verified = report.Bool("verified");
            if (session.Json)
            {
                session.WriteJson(response);
            }
            else if (verified)
            {
                await session.Out.WriteLineAsync($"Verified: {report.Str("streams")} streams, {report.Str("events")} events; every hash chain is intact.");
            }
            else
            {
                Table.Write(session.Out, ["stream", "version", "seq", "reason"],
                    report.Array("broken").Select(b => (IReadOnlyList<string?>)[b.Str("streamId"), b.Str("version"), b.Str("seq"), b.Str("reason")]));
            }

            if (!verified)
            {
                await session.Err.WriteLineAsync($"The audit log is NOT intact: {report.Array("broken").Count} broken chain(s) in {report.Str("streams")} streams.");
            }

            return verified ? ExitCodes.Done : ExitCodes.Error;
        }));
        return command;
    }
}
