using Governance.Api.Core.Auth;
using Governance.Api.Core.Storage;
using Governance.EventStore;
using NodaTime;

namespace Governance.Api.Principals;

/// <summary>
/// Makes sure an admin can get in: the key from GOVERNANCE_ADMIN_KEY, else one generated on first start
/// into &lt;data dir&gt;/admin.key (owner-only) and printed once.
/// </summary>
public sealed class BootstrapAdmin(IEventStore store, IClock clock, IConfiguration configuration, ILogger<BootstrapAdmin> logger) : IStartupTask
{
    /// <summary>The bootstrap admin's principal name.</summary>
    public const string AdminName = "admin";

    /// <summary>Where the generated key is kept.</summary>
    public static string KeyFile(IConfiguration configuration) =>
        Path.Combine(StorageExtensions.DataDirectory(configuration), "admin.key");

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken ct)
    {
        var key = await ResolveKeyAsync(ct);
        var hash = ApiKeys.HashHex(key);
        var metadata = EventMetadata.System("bootstrap");
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var current = await store.AggregateStreamAsync<Principal>(Principal.StreamId(AdminName), ct: ct);
            try
            {
                if (current is null)
                {
                    await store.AppendAsync(Principal.StreamId(AdminName), Principal.StreamType, ExpectedVersion.NoStream,
                        [new PrincipalCreated(AdminName, [Roles.Admin], hash, metadata.Actor, clock.GetCurrentInstant())], metadata, ct);
                }
                else if (current.State.KeyHash != hash)
                {
                    await store.AppendAsync(Principal.StreamId(AdminName), Principal.StreamType, ExpectedVersion.Exactly(current.Version),
                        [new PrincipalKeyRotated(AdminName, hash, metadata.Actor, clock.GetCurrentInstant())], metadata, ct);
                }

                return;
            }
            catch (ConcurrencyException)
            {
                // Another node bootstrapped at the same moment; look again.
            }
        }
    }

    /// <summary>The admin key in force: GOVERNANCE_ADMIN_KEY, else the generated key file (for the demo story).</summary>
    public static async Task<string> ResolveKeyAsync(IConfiguration configuration, CancellationToken ct) =>
        configuration["GOVERNANCE_ADMIN_KEY"] is { Length: > 0 } configured
            ? configured.Trim()
            : (await File.ReadAllTextAsync(KeyFile(configuration), ct)).Trim();

    private async Task<string> ResolveKeyAsync(CancellationToken ct)
    {
        if (configuration["GOVERNANCE_ADMIN_KEY"] is { Length: > 0 } configured)
        {
            return configured.Trim();
        }

        var file = KeyFile(configuration);
        if (File.Exists(file))
        {
            return (await File.ReadAllTextAsync(file, ct)).Trim();
        }

        var key = ApiKeys.Generate();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        await File.WriteAllTextAsync(file, key + Environment.NewLine, ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        logger.LogWarning("Generated the bootstrap admin key into {File}", Path.GetFullPath(file));
        Console.WriteLine($"Admin API key (shown once; also in {Path.GetFullPath(file)}): {key}");
        return key;
    }
}
