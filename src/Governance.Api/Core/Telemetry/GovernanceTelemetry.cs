using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Governance.Api.Core.Telemetry;

/// <summary>The service's ActivitySource and Meter, both named Governance.</summary>
public static class GovernanceTelemetry
{
    /// <summary>The name of the source and the meter.</summary>
    public const string Name = "Governance";

    /// <summary>A span per command.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);

    /// <summary>The service's metrics.</summary>
    public static Meter Meter { get; } = new(Name);

    /// <summary>Commands accepted, by command.</summary>
    public static Counter<long> Commands { get; } = Meter.CreateCounter<long>("governance.commands", "{command}", "Commands accepted.");

    /// <summary>Promotions, by outcome (requested, blocked, approved, rejected, withdrawn, deployed, rolled_back).</summary>
    public static Counter<long> Promotions { get; } = Meter.CreateCounter<long>("governance.promotions", "{promotion}", "Promotion outcomes.");
}
