using System.Security.Cryptography;
using System.Text;

namespace FlashSale.Client;

/// <summary>
/// Checks a webhook delivery as Standard Webhooks signs it: <c>webhook-signature</c> holds one or more
/// <c>v1,&lt;base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"&gt;</c>, keyed by the bytes of the <c>whsec_</c> secret,
/// and <c>webhook-timestamp</c> must be within the tolerance of now, so an old delivery replayed is refused. The body
/// must be the raw bytes as received, before any JSON parsing.
/// </summary>
public sealed class WebhookVerifier
{
    private const string Prefix = "whsec_";
    private readonly byte[] _key;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _clock;

    /// <param name="secret">The endpoint's secret as <c>POST /admin/webhooks</c> showed it: <c>whsec_</c> and base64.</param>
    /// <param name="tolerance">How far <c>webhook-timestamp</c> may be from now (default 5 minutes).</param>
    public WebhookVerifier(string secret, TimeSpan? tolerance = null, TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        try
        {
            _key = Convert.FromBase64String(secret.StartsWith(Prefix, StringComparison.Ordinal) ? secret[Prefix.Length..] : secret);
        }
        catch (FormatException e)
        {
            throw new ArgumentException("The secret is not whsec_ followed by base64.", nameof(secret), e);
        }
        _tolerance = tolerance ?? TimeSpan.FromMinutes(5);
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Throws <see cref="WebhookSignatureException"/> unless the delivery is signed with this secret and recent.</summary>
    public void Verify(string body, string? webhookId, string? webhookTimestamp, string? webhookSignature)
    {
        if (string.IsNullOrEmpty(webhookId) || string.IsNullOrEmpty(webhookTimestamp) || string.IsNullOrEmpty(webhookSignature))
            throw new WebhookSignatureException("webhook-id, webhook-timestamp and webhook-signature are all required.");
        if (!long.TryParse(webhookTimestamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
            throw new WebhookSignatureException("webhook-timestamp is not unix seconds.");
        var age = _clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799));
        if (age.Duration() > _tolerance) throw new WebhookSignatureException("webhook-timestamp is outside the tolerance.");

        var expected = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{webhookId}.{webhookTimestamp}.{body}"));
        // Several signatures, space-separated, while the merchant rotates secrets: any one of ours will do.
        foreach (var entry in webhookSignature.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = entry.IndexOf(',');
            if (comma < 0 || entry[..comma] != "v1") continue;
            var presented = new byte[expected.Length];
            if (Convert.TryFromBase64String(entry[(comma + 1)..], presented, out var length) && length == expected.Length
                && CryptographicOperations.FixedTimeEquals(presented, expected))
                return;
        }
        throw new WebhookSignatureException("No v1 signature matches the body with this secret.");
    }

    /// <summary>The same check from the delivery's headers (any dictionary of header name to value, case-insensitive names).</summary>
    public void Verify(string body, Func<string, string?> header) =>
        Verify(body, header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"));

    public bool IsValid(string body, string? webhookId, string? webhookTimestamp, string? webhookSignature)
    {
        try
        {
            Verify(body, webhookId, webhookTimestamp, webhookSignature);
            return true;
        }
        catch (WebhookSignatureException)
        {
            return false;
        }
    }
}

/// <summary>A delivery that is not signed with the endpoint's secret, or too old: answer it 4xx and do nothing with it.</summary>
public sealed class WebhookSignatureException(string message) : Exception(message);
