using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Governance.Api.Tests.Webhooks;

/// <summary>
/// A real HTTP receiver on loopback (Kestrel), written from the Standard Webhooks spec rather than from the service's
/// code: it checks every signature against the secrets it was given, answers what the test says, and can go away and
/// come back on the same port.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private WebApplication? app;
    private int port;

    /// <summary>Every request received, in arrival order.</summary>
    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>The secrets a signature may be made with (any of them).</summary>
    public List<string> Secrets { get; } = [];

    /// <summary>What to answer a request (200 by default).</summary>
    public Func<Received, int> Answer { get; set; } = _ => 200;

    /// <summary>The URL to subscribe.</summary>
    public string Url => $"http://127.0.0.1:{port}/hook";

    /// <summary>Starts listening (again, on the same port once it had one).</summary>
    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        app = builder.Build();
        app.MapPost("/hook", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var received = new Received(
                http.Request.Headers["webhook-id"].ToString(), http.Request.Headers["webhook-timestamp"].ToString(),
                http.Request.Headers["webhook-signature"].ToString(), body, http.Request.ContentType ?? "");
            Requests.Enqueue(received);
            var status = Answer(received);
            received.AnsweredWith = status;
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        port = new Uri(app.Urls.First()).Port;
    }

    /// <summary>Goes away: connections are refused until <see cref="StartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            app = null;
        }
    }

    /// <summary>The signatures of a request that verify with <paramref name="secret"/> (Standard Webhooks 1.0, by hand).</summary>
    public static int SignaturesMadeWith(Received request, string secret)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secret);
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{request.Id}.{request.Timestamp}.{request.Body}")));
        return request.Signature.Split(' ').Count(s => s.StartsWith("v1,", StringComparison.Ordinal) && s[3..] == expected);
    }

    /// <summary>Waits until <paramref name="condition"/> holds on what was received.</summary>
    public async Task WaitForAsync(Func<IReadOnlyList<Received>, bool> condition, TimeSpan? timeout = null, Func<string>? context = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!condition([.. Requests]))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The receiver did not get what was expected; it got {Requests.Count} request(s):\n" +
                    string.Join("\n", Requests.Select(r => $"{r.Id} {r.AnsweredWith} {r.Body}")) + "\n" + context?.Invoke());
            }

            await Task.Delay(50);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>One request as received.</summary>
    public sealed record Received(string Id, string Timestamp, string Signature, string Body, string ContentType)
    {
        /// <summary>The status the receiver answered.</summary>
        public int AnsweredWith { get; set; }

        /// <summary>The body.</summary>
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;

        /// <summary>The event type.</summary>
        public string Type => Json.GetProperty("type").GetString()!;

        /// <summary>The stream of the event.</summary>
        public string StreamId => Json.GetProperty("data").GetProperty("streamId").GetString()!;

        /// <summary>The version of the event in its stream.</summary>
        public long Version => Json.GetProperty("data").GetProperty("version").GetInt64();
    }
}
