using System.Text;
using Governance.Api.Tests.Harness;

namespace Governance.Cli.Tests.Harness;

/// <summary>A gov run still going (e.g. <c>promote --wait</c>), whose output the test reads while it runs.</summary>
public sealed class LiveGov
{
    private readonly LockedWriter output = new();
    private readonly LockedWriter error = new();

    public LiveGov(GovernanceApp app, string token, string[] args)
    {
        var context = new CliContext(output, error, new Dictionary<string, string?> { ["GOV_URL"] = GovRunner.Url, ["GOV_TOKEN"] = token })
        {
            WorkingDirectory = GovRunner.NewFolder(),
            Handler = app.Server.CreateHandler(),
            PollInterval = TimeSpan.FromMilliseconds(50),
        };
        Completion = Task.Run(async () =>
        {
            var code = await Cli.RunAsync(args, context);
            return new GovRun(code, output.ToString(), error.ToString());
        });
    }

    /// <summary>The run's result once it ends.</summary>
    public Task<GovRun> Completion { get; }

    /// <summary>stdout so far.</summary>
    public string Out => output.ToString();

    /// <summary>Waits until stdout contains <paramref name="text"/> (or the run ended without it: then fails with everything it wrote).</summary>
    public async Task SeenAsync(string text)
    {
        for (var i = 0; i < 400; i++)
        {
            if (Out.Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            if (Completion.IsCompleted)
            {
                break;
            }

            await Task.Delay(25);
        }

        throw new ShouldAssertException($"gov never wrote '{text}'.\n--- stdout\n{Out}\n--- stderr\n{error}");
    }

    private sealed class LockedWriter : StringWriter
    {
        private readonly Lock gate = new();

        public override void Write(char value)
        {
            lock (gate)
            {
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            lock (gate)
            {
                base.Write(value);
            }
        }

        public override void Write(char[] buffer, int index, int count)
        {
            lock (gate)
            {
                base.Write(buffer, index, count);
            }
        }

        public override void WriteLine(string? value)
        {
            lock (gate)
            {
                base.WriteLine(value);
            }
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }

        public override Task WriteAsync(string? value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public override string ToString()
        {
            lock (gate)
            {
                return GetStringBuilder().ToString();
            }
        }

        public override Encoding Encoding => Encoding.UTF8;
    }
}
