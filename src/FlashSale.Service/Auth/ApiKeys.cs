using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using FlashSale.Service.Hosting;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Auth;

/// <summary>
/// Which role an <c>Authorization</c> header's key holds: the admin key is <see cref="Policies.Admin"/>, the
/// storefront key <see cref="Policies.Storefront"/>. Shared by the authentication handler and the claim endpoint,
/// which checks its key itself (see <see cref="Claims.ClaimEndpoint"/>).
/// </summary>
public sealed class ApiKeys(IOptionsMonitor<FlashSaleOptions> options)
{
    // Keys longer than this are compared from a rented buffer; real keys are far shorter.
    private const int StackLimit = 256;

    // The configured keys as UTF-8, encoded again only when the options change.
    private KeyBytes? _keys;

    /// <summary>The role of the presented key; null when there is no key or it is not one of ours.</summary>
    public string? RoleOf(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization)) return null;
        var header = authorization.AsSpan();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return RoleOfKey(header["Bearer ".Length..].Trim());
        // "Basic base64(user:<key>)", so a browser can open the admin page.
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
            var colon = pair.IndexOf(':');
            return colon < 0 ? null : RoleOfKey(pair.AsSpan(colon + 1));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private string? RoleOfKey(ReadOnlySpan<char> key)
    {
        var current = options.CurrentValue;
        var known = _keys is { } cached && ReferenceEquals(cached.Options, current) ? cached : _keys = new KeyBytes(current);
        var length = Encoding.UTF8.GetByteCount(key);
        byte[]? rented = null;
        var presented = length <= StackLimit ? stackalloc byte[StackLimit] : rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            presented = presented[..Encoding.UTF8.GetBytes(key, presented)];
            // Both comparisons always run, in constant time, so timing tells nothing about either key.
            var isAdmin = Matches(presented, known.Admin);
            var isStorefront = Matches(presented, known.Storefront);
            return isAdmin ? Policies.Admin : isStorefront ? Policies.Storefront : null;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool Matches(ReadOnlySpan<byte> presented, byte[]? key) =>
        key is not null && key.Length > 0 && CryptographicOperations.FixedTimeEquals(presented, key);

    private sealed class KeyBytes(FlashSaleOptions options)
    {
        public FlashSaleOptions Options { get; } = options;
        public byte[]? Admin { get; } = options.AdminKey is { } key ? Encoding.UTF8.GetBytes(key) : null;
        public byte[]? Storefront { get; } = options.StorefrontKey is { } key ? Encoding.UTF8.GetBytes(key) : null;
    }
}
