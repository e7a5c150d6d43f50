using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Webhooks;

/// <summary>
/// The SSRF guard: a webhook may not reach loopback, private, link-local or other internal addresses (outside
/// Development, unless <see cref="WebhookOptions.AllowPrivateTargets"/>). Checked on the resolved addresses at
/// registration, and again at every delivery on the address actually connected to, so a name that resolves to an
/// internal address later (DNS rebinding) is refused too.
/// </summary>
public sealed class WebhookTargets(IOptions<WebhookOptions> options, IHostEnvironment environment)
{
    public bool PrivateAllowed => options.Value.AllowPrivateTargets || environment.IsDevelopment();

    /// <returns>Why the URL is refused, or null.</returns>
    public async Task<string?> RefusalAsync(Uri url, CancellationToken ct)
    {
        if (url.Scheme is not ("http" or "https")) return "The URL must be http or https.";
        if (!string.IsNullOrEmpty(url.UserInfo)) return "The URL must not carry credentials.";
        if (PrivateAllowed) return null;
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(url.IdnHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(url.IdnHost, ct);
        }
        catch (SocketException)
        {
            return "The URL's host does not resolve.";
        }
        return addresses.Length == 0 ? "The URL's host does not resolve."
            : addresses.Any(IsInternal) ? "The URL resolves to a loopback, private or link-local address." : null;
    }

    /// <summary>Connects to the first public address of the host, as <see cref="SocketsHttpHandler.ConnectCallback"/>.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var allowed = PrivateAllowed ? addresses : addresses.Where(a => !IsInternal(a)).ToArray();
        if (allowed.Length == 0) throw new HttpRequestException($"Refused: {host} resolves only to loopback, private or link-local addresses.");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return true;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast;
        var b = address.GetAddressBytes();
        return b[0] switch
        {
            0 or 10 or 127 => true,
            100 => b[1] is >= 64 and <= 127,          // carrier-grade NAT
            169 => b[1] == 254,                        // link-local, cloud metadata
            172 => b[1] is >= 16 and <= 31,
            192 => b[1] == 168 || (b[1] == 0 && b[2] is 0 or 2),
            198 => b[1] is 18 or 19,
            >= 224 => true,                            // multicast, reserved, broadcast
            _ => false,
        };
    }
}
