using System.Security.Cryptography;

namespace FlashSale.Service.Webhooks;

/// <summary>
/// An endpoint's signing secret as Standard Webhooks spells it: <c>whsec_</c> and the base64 of the key bytes. The
/// HMAC key is those bytes, not the text.
/// </summary>
public static class WebhookSecret
{
    public const string Prefix = "whsec_";

    public static string New() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The key bytes, or null when the text is no secret of this shape (24 to 64 bytes).</summary>
    public static byte[]? KeyOf(string? secret)
    {
        if (secret is null || !secret.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var key = new byte[64];
        return Convert.TryFromBase64String(secret[Prefix.Length..], key, out var length) && length is >= 24 and <= 64 ? key[..length] : null;
    }

    /// <summary><c>webhook-signature</c>: <c>v1,</c> and the base64 HMAC-SHA256 of <c>{id}.{timestamp}.{body}</c>.</summary>
    public static string Sign(byte[] key, string webhookId, long timestamp, string body) =>
        "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, System.Text.Encoding.UTF8.GetBytes($"{webhookId}.{timestamp}.{body}")));
}
