using System.Security.Cryptography;
using System.Text;

namespace Governance.Api.Core.Auth;

/// <summary>
/// API keys: 32 random bytes, shown once, stored only as their SHA-256 (in governance.api_key_hashes, never in an
/// event). Each key has a short public id that names it in events, URLs and the audit feed.
/// </summary>
public static class ApiKeys
{
    private const string Prefix = "gov_";

    /// <summary>A new random key.</summary>
    public static string Generate() => Prefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    /// <summary>A new key id: 16 hex digits, random, unrelated to the key.</summary>
    public static string NewKeyId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>Whether a text has the shape of a key id (so a URL segment can be checked before any lookup).</summary>
    public static bool IsKeyId(string text) => text.Length == 16 && text.All(char.IsAsciiHexDigitLower);

    /// <summary>
    /// The id of a key recorded before keys had ids, when events carried the key's hash: derived from that hash the way
    /// migration 0020 derives it, so old events and the table agree. A hash of the hash: it reveals nothing usable.
    /// </summary>
    public static string LegacyKeyId(string keyHashHex) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("legacy:" + keyHashHex.ToLowerInvariant()))[..8]);

    /// <summary>The SHA-256 of a key, as stored.</summary>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The stored hash as lowercase hex.</summary>
    public static string HashHex(string key) => Convert.ToHexStringLower(Hash(key));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
