using Governance.EventLog;

namespace Governance.Api.Rotations;

/// <summary>On-call rotations: events, stream and who is on call.</summary>
public static class RotationsModule
{
    public static void RegisterEvents(EventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Rotation.RegisterEvents(options.Registry);
        options.Fold<Rotation>();
    }

    public static void MapRotations(this WebApplication app) => GetOnCall.Map(app.MapApi());
}
