using System.Security.Cryptography;
using System.Text;

namespace Governance.Api.Webhooks;

/// <summary>
/// Standard Webhooks 1.0 signatures: <c>v1,</c> + base64 HMAC-SHA256 over <c>{webhook-id}.{webhook-timestamp}.{body}</c>,
/// one per live secret, space-separated — a receiver accepts the delivery when any of them verifies, which is how a
/// rotation goes without downtime.
/// </summary>
public static class WebhookSignature
{
    /// <summary>The <c>webhook-signature</c> header value for these secrets.</summary>
    public static string Sign(string messageId, long timestamp, string body, IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var content = Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.{body}");
        return string.Join(' ', secrets.Select(s => "v1," + Convert.ToBase64String(HMACSHA256.HashData(WebhookSecrets.KeyOf(s), content))));
    }

    /// <summary>Whether one of the signatures in <paramref name="header"/> was made with <paramref name="secret"/> (what a receiver checks).</summary>
    public static bool Verify(string messageId, long timestamp, string body, string header, string secret)
    {
        ArgumentNullException.ThrowIfNull(header);
        var expected = Encoding.ASCII.GetBytes(Sign(messageId, timestamp, body, [secret]));
        return header.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), expected));
    }
}
