using System.Security.Cryptography;
using System.Text;

namespace Governance.Api.Core.Auth;

/// <summary>API keys: 32 random bytes, shown once, stored only as their SHA-256.</summary>
public static class ApiKeys
{
    private const string Prefix = "gov_";

    /// <summary>A new random key.</summary>
    public static string Generate() => Prefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    /// <summary>The SHA-256 of a key, as stored.</summary>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The stored hash as lowercase hex (what events carry).</summary>
    public static string HashHex(string key) => Convert.ToHexStringLower(Hash(key));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
