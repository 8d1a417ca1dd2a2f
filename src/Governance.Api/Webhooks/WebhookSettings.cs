using System.Globalization;

namespace Governance.Api.Webhooks;

/// <summary>
/// <c>Governance:Webhooks</c>: the private-network switch, the retry schedule and the receiver's time limit
/// (docs/webhooks.md).
/// </summary>
public sealed class WebhookSettings
{
    /// <summary>
    /// The waits after a failed attempt, in order (Standard Webhooks' example schedule): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
    /// 14 h, 20 h, 24 h — ten attempts over about 75 hours; after the last failure the delivery is given up.
    /// </summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetrySchedule =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5),
        TimeSpan.FromHours(10), TimeSpan.FromHours(14), TimeSpan.FromHours(20), TimeSpan.FromHours(24),
    ];

    /// <summary>Whether private, loopback and link-local targets are allowed (tests and local use).</summary>
    public bool AllowPrivateNetworks { get; init; }

    /// <summary>The waits after each failed attempt.</summary>
    public IReadOnlyList<TimeSpan> RetrySchedule { get; init; } = DefaultRetrySchedule;

    /// <summary>How long a receiver has to answer 2xx.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many (subscription, stream) queues one node sends to at once.</summary>
    public int Parallelism { get; init; } = 32;

    /// <summary>Reads the settings; <c>RetrySchedule</c> is a comma-separated list of waits (<c>00:00:05,00:05:00</c>).</summary>
    public static WebhookSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("Governance:Webhooks");
        var schedule = section["RetrySchedule"] is { Length: > 0 } text
            ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => TimeSpan.Parse(t, CultureInfo.InvariantCulture)).ToArray()
            : DefaultRetrySchedule;
        return new WebhookSettings
        {
            AllowPrivateNetworks = section.GetValue("AllowPrivateNetworks", false),
            RetrySchedule = schedule,
            Timeout = TimeSpan.FromSeconds(Math.Clamp(section.GetValue("TimeoutSeconds", 10.0), 0.1, 30)),
            Parallelism = Math.Clamp(section.GetValue("Parallelism", 32), 1, 256),
        };
    }
}
