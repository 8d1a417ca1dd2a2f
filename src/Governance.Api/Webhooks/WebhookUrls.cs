using System.Net;
using System.Net.Sockets;

namespace Governance.Api.Webhooks;

/// <summary>
/// Which URLs a webhook may target (DESIGN §13): absolute http(s), no credentials in the URL, and — unless
/// <c>Governance:Webhooks:AllowPrivateNetworks</c> is true — nothing on a private, loopback, link-local or otherwise
/// non-public address. Names are checked again at delivery, on the address actually connected to, so a name that
/// resolves (or later re-resolves) to a private address is refused there too.
/// </summary>
public static class WebhookUrls
{
    /// <summary>The longest URL accepted.</summary>
    public const int MaxLength = 2000;

    /// <summary>Why <paramref name="url"/> cannot be a target, or null when it can.</summary>
    public static string? Problem(string? url, bool allowPrivateNetworks)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "Give the URL to deliver to.";
        }

        if (url.Length > MaxLength)
        {
            return $"A URL has at most {MaxLength} characters.";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
        {
            return "The URL must be an absolute http:// or https:// URL, e.g. https://hooks.example.com/events.";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "The URL must not carry a user name or password; verify deliveries with the signature instead.";
        }

        if (!string.IsNullOrEmpty(uri.Fragment))
        {
            return "The URL must not have a fragment (#…): it is never sent to the receiver.";
        }

        if (allowPrivateNetworks)
        {
            return null;
        }

        var host = uri.IdnHost.TrimEnd('.');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return PrivateRefusal;
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out var address) && !IsPublic(address) ? PrivateRefusal : null;
    }

    /// <summary>The sentence for a private target.</summary>
    public const string PrivateRefusal =
        "The URL points to a private, loopback or link-local address, which webhooks may not reach " +
        "(set Governance:Webhooks:AllowPrivateNetworks to true to allow it, e.g. for local use).";

    /// <summary>Whether an address is on the public internet (not private, loopback, link-local, multicast or reserved).</summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224
                     || (b[0] == 100 && b[1] >= 64 && b[1] < 128)
                     || (b[0] == 169 && b[1] == 254)
                     || (b[0] == 172 && b[1] >= 16 && b[1] < 32)
                     || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                     || (b[0] == 192 && b[1] == 168)
                     || (b[0] == 198 && (b[1] == 18 || b[1] == 19)));
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return !(IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal
                     || address.IsIPv6Multicast || (b[0] & 0xFE) == 0xFC);
        }

        return false;
    }
}
