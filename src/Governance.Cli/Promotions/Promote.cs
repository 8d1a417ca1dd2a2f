using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Governance.Cli.Core;

namespace Governance.Cli.Promotions;

/// <summary>
/// <c>gov promote</c>: POST /promotions; with <c>--wait</c>, follows GET /promotions/{id} until deployed (0), rejected,
/// withdrawn or blocked (3), or the timeout (8), printing each change once.
/// </summary>
public static class Promote
{
    /// <summary>How long <c>--wait</c> waits unless told.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    public static Command Create(Runner run)
    {
        var model = new Argument<string>("model") { Description = "The model's key" };
        var version = new Argument<string>("version") { Description = "The version to promote" };
        var to = new Option<string>("--to") { Description = "The target stage: the next one after where the version runs now", Required = true };
        var justification = new Option<string>("--justification") { Description = "Why, for the approvers", Required = true };
        var evidence = new Option<string[]>("--evidence") { Description = "An evaluation id backing the request; repeat it" };
        var wait = new Option<bool>("--wait") { Description = "Follow the promotion until it is deployed (exit 0), rejected (3) or the timeout passes (8)" };
        var timeout = new Option<TimeSpan?>("--timeout")
        {
            Description = "How long --wait waits: 30m, 90s, 2h, 1h30m or PT30M [default: 30m]",
            HelpName = "duration",
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (Durations.TryParse(text, out var value))
                {
                    return value;
                }

                result.AddError($"'{text}' is not a duration for --timeout: write 30m, 90s, 2h, 1h30m or PT30M.");
                return null;
            },
        };
        var command = new Command("promote", """
            Request a promotion of a model version to the next stage; gates are checked by the service at once.
            Exits 3 when a gate blocks it. With --wait, follows it until deployed (0), rejected or withdrawn (3), or timed out (8).

            Example: gov promote fraud-detector 1.4.0 --to shadow --justification "AUC +0.02 on fraud-core" --evidence 0193f0c2… --wait --timeout 30m
            """)
        {
            model, version, to, justification, evidence, wait, timeout,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(timeout) is not null && !result.GetValue(wait))
            {
                result.AddError("--timeout only applies with --wait.");
            }
        });
        command.SetAction(run.Action(async (session, parse, ct) =>
        {
            var response = await session.Api.PostAsync("promotions", new
            {
                model = parse.GetValue(model),
                version = parse.GetValue(version),
                targetStage = parse.GetValue(to),
                justification = parse.GetValue(justification),
                evidence = parse.GetValue(evidence) ?? [],
            }, ct);
            var requested = response.Json();
            var id = requested.Str("id")!;
            var status = requested.Str("status");
            var failing = requested.Array("gates").Where(g => !g.Bool("passed")).Select(g => $"{g.Str("name")}: {g.Str("detail")}").ToList();
            var waiting = parse.GetValue(wait);
            if (session.Json && (!waiting || status == "blocked"))
            {
                session.WriteJson(response);
            }

            if (!session.Json)
            {
                await session.Out.WriteLineAsync(
                    $"Requested promotion {id}: {parse.GetValue(model)}@{parse.GetValue(version)} {requested.Str("fromStage")} → {requested.Str("targetStage")} (policy revision {requested.Int("policyRevision")}).");
                Table.Write(session.Out, ["gate", "result", "detail"],
                    requested.Array("gates").Select(g => (IReadOnlyList<string?>)[g.Str("name"), g.Bool("passed") ? "pass" : "FAIL", g.Str("detail")]));
            }

            if (status == "blocked")
            {
                await session.Progress.WriteLineAsync($"Blocked by a gate ({string.Join("; ", failing)}): it takes no approvals; fix the cause and request again.");
                return ExitCodes.Refused;
            }

            if (!waiting)
            {
                var required = requested.Int("requiredApprovals");
                await session.Progress.WriteLineAsync($"Pending: needs {required} approval{(required == 1 ? "" : "s")}; approve with 'gov approve {id}'.");
                return ExitCodes.Done;
            }

            return await WaitAsync(session, id, parse.GetValue(timeout) ?? DefaultTimeout, ct);
        }));
        return command;
    }

    /// <summary>Follows the promotion until a final state or the timeout; a service that cannot be reached for a while (or answers 5xx) is retried until then.</summary>
    public static async Task<int> WaitAsync(Session session, string id, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await session.Progress.WriteLineAsync($"Waiting up to {Durations.Format(timeout)} for promotion {id}…");
        string? last = null;
        ApiResponse? latest = null;
        CliException? unreachable = null;
        while (true)
        {
            try
            {
                latest = await session.Api.GetAsync($"promotions/{Uri.EscapeDataString(id)}", ct);
                unreachable = null;
                var status = PromotionStatus.Of(latest.Json());
                if (status.Line != last)
                {
                    await session.Progress.WriteLineAsync(status.Line);
                    last = status.Line;
                }

                if (status.Exit is { } exit)
                {
                    if (session.Json)
                    {
                        session.WriteJson(latest);
                    }

                    return exit;
                }
            }
            catch (CliException failure) when (failure.Transient)
            {
                unreachable = failure;
                if (failure.Message != last)
                {
                    await session.Progress.WriteLineAsync($"{failure.Message} (retrying)");
                    last = failure.Message;
                }
            }

            var remaining = timeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                if (unreachable is not null)
                {
                    throw new CliException(ExitCodes.Error, $"Gave up after {Durations.Format(timeout)}: {unreachable.Message}");
                }

                if (session.Json && latest is not null)
                {
                    session.WriteJson(latest);
                }

                var state = latest is null ? "" : $": {PromotionStatus.Of(latest.Json()).Line}";
                await session.Err.WriteLineAsync($"Timed out after {Durations.Format(timeout)}; promotion {id} is still open{state}.");
                return ExitCodes.StillPending;
            }

            await Task.Delay(remaining < session.PollInterval ? remaining : session.PollInterval, ct);
        }
    }

    /// <summary>The failing gates of a promotion outcome, for a sentence.</summary>
    public static string FailingGates(JsonElement outcome, string property = "gates") =>
        string.Join("; ", outcome.Array(property).Where(g => !g.Bool("passed")).Select(g => $"{g.Str("name")}: {g.Str("detail")}"));
}
