using Governance.Api.Core.Auth;
using Governance.Api.Core.Storage;
using Governance.EventLog;
using NodaTime;
using Npgsql;

namespace Governance.Api.Principals;

/// <summary>
/// Makes sure an admin can get in: the key from GOVERNANCE_ADMIN_KEY, else one generated on first start into
/// &lt;data dir&gt;/admin.key (owner-only). The key itself is never printed or logged, only where it is.
/// </summary>
public sealed class BootstrapAdmin(IEventStore store, ApiKeyStore keys, NpgsqlDataSource db, IClock clock, IConfiguration configuration, ILogger<BootstrapAdmin> logger) : IStartupTask
{
    /// <summary>The bootstrap admin's principal name.</summary>
    public const string AdminName = "admin";

    /// <summary>What the bootstrap key's events are recorded as done by.</summary>
    public static readonly EventMetadata Metadata = EventMetadata.System("bootstrap");

    /// <summary>Where the generated key is kept.</summary>
    public static string KeyFile(IConfiguration configuration) =>
        Path.Combine(StorageExtensions.DataDirectory(configuration), "admin.key");

    /// <summary>What bootstrapping found: nothing to do, events to append, or a configured key that was revoked.</summary>
    public sealed record Plan(IReadOnlyList<object> Events, bool KeyWasRevoked = false);

    /// <summary>
    /// Pure decision: create the admin with the configured key, or issue that key to it and retire the keys earlier
    /// bootstraps issued (a changed GOVERNANCE_ADMIN_KEY replaces the old one). A key that was revoked stays revoked.
    /// </summary>
    public static Plan Decide(Principal? state, string keyId, Instant now)
    {
        var by = Metadata.Actor;
        if (state is null)
        {
            return new Plan([new PrincipalCreated(AdminName, [Roles.Admin], keyId, by, now)]);
        }

        if (state.Keys.FirstOrDefault(k => k.KeyId == keyId) is { } known)
        {
            return new Plan([], KeyWasRevoked: !known.Live);
        }

        return new Plan([
            new PrincipalKeyIssued(AdminName, keyId, by, now),
            .. state.LiveKeys.Where(k => k.IssuedBy == by).Select(k => new PrincipalKeyRevoked(AdminName, k.KeyId, by, now)),
        ]);
    }

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken ct)
    {
        var (key, source) = await ResolveKeyAsync(ct);
        if (!await keys.RememberAsync(ApiKeys.NewKeyId(), key, ct) && await OwnerAsync(key, ct) is { } owner && owner != AdminName)
        {
            logger.LogWarning("The admin key in {Source} is a key of principal {Owner}; it was not given to {Admin}", source, owner, AdminName);
            return;
        }

        // Another node starting with the same key may have stored it first: use the id it stored.
        var keyId = await keys.KeyIdOfAsync(key, ct) ?? throw new InvalidOperationException("The admin key's hash was not stored.");
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var current = await store.AggregateStreamAsync<Principal>(Principal.StreamId(AdminName), ct: ct);
            var plan = Decide(current?.State, keyId, clock.GetCurrentInstant());
            if (plan.KeyWasRevoked)
            {
                logger.LogWarning("The admin key in {Source} was revoked and stays revoked; configure a new one to use it as the bootstrap key", source);
            }

            if (plan.Events.Count == 0)
            {
                return;
            }

            try
            {
                await store.AppendAsync(Principal.StreamId(AdminName), Principal.StreamType,
                    current is null ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(current.Version), plan.Events, Metadata, ct);
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

    private async Task<string?> OwnerAsync(string key, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT k.principal FROM governance.api_key_hashes h JOIN governance.principal_keys k USING (key_id) WHERE h.key_hash = $1");
        cmd.Parameters.Add(new() { Value = ApiKeys.Hash(key) });
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    private async Task<(string Key, string Source)> ResolveKeyAsync(CancellationToken ct)
    {
        if (configuration["GOVERNANCE_ADMIN_KEY"] is { Length: > 0 } configured)
        {
            return (configured.Trim(), "GOVERNANCE_ADMIN_KEY");
        }

        var file = Path.GetFullPath(KeyFile(configuration));
        if (File.Exists(file))
        {
            return ((await File.ReadAllTextAsync(file, ct)).Trim(), file);
        }

        var key = ApiKeys.Generate();
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        // Created owner-only, so the key is never readable by others, not even for a moment.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var writer = new StreamWriter(file, options))
        {
            await writer.WriteLineAsync(key.AsMemory(), ct);
        }

        // Only where it is: logs are collected, shipped and kept, and a key in them is a leaked key.
        logger.LogWarning("Generated the bootstrap admin key into {File} (readable by this user only)", file);
        return (key, file);
    }
}
