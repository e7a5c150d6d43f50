using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using FlashSale.Service.Hosting;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.WaitingRoom;

/// <summary>
/// Admission tokens: <c>{keyId}.{payload}.{signature}</c>, base64url, the payload <c>saleId|ticketId|expiresAtMs|userId</c>,
/// the signature HMAC-SHA256 over <c>{keyId}.{payload}</c>. A token says which ticket was admitted until when; whether
/// it is still unused is for the admit script to decide, in the claim's own round trip (lua/admit.lua).
/// </summary>
public sealed class AdmissionTokens
{
    public const string Header = "FlashSale-Admission";

    /// <summary>What the admit script is told of a claim's token: none, not valid, or "ticketId|expiresAtMs".</summary>
    public const string None = "";
    public const string Invalid = "-";

    private readonly Dictionary<string, byte[]> _keys;
    private readonly string _signingKeyId;

    public AdmissionTokens(IOptions<WaitingRoomOptions> options, IOptions<FlashSaleOptions> service)
    {
        var configured = options.Value.TokenKeys;
        if (configured.Count == 0)
        {
            // One key for every process that shares the admin key, never the admin key itself.
            var admin = Encoding.UTF8.GetBytes(service.Value.AdminKey ?? FlashSaleOptions.DevAdminKey);
            _keys = new() { ["a0"] = HKDF.DeriveKey(HashAlgorithmName.SHA256, admin, 32, info: "flashsale-admission-token"u8.ToArray()) };
            _signingKeyId = "a0";
            return;
        }
        _keys = configured.ToDictionary(k => k.Key, k => Convert.FromBase64String(k.Value), StringComparer.Ordinal);
        _signingKeyId = options.Value.SigningKeyId ?? configured.Keys.Single();
    }

    public static IEnumerable<string> Problems(WaitingRoomOptions options)
    {
        foreach (var (id, key) in options.TokenKeys)
        {
            if (id.Length == 0 || id.Contains('.')) yield return $"FlashSale:WaitingRoom:TokenKeys: key id '{id}' must be non-empty, without '.'.";
            var bytes = new byte[key.Length];
            if (!Convert.TryFromBase64String(key, bytes, out var length) || length < 32)
                yield return $"FlashSale:WaitingRoom:TokenKeys:{id} must be base64 of at least 32 bytes.";
        }
        if (options.TokenKeys.Count > 1 && options.SigningKeyId is null)
            yield return "FlashSale:WaitingRoom:SigningKeyId must name the key to sign with when several are configured.";
        if (options.SigningKeyId is { } kid && options.TokenKeys.Count > 0 && !options.TokenKeys.ContainsKey(kid))
            yield return $"FlashSale:WaitingRoom:SigningKeyId '{kid}' is not one of TokenKeys.";
    }

    public string Issue(string saleId, string ticketId, long expiresAtMs, string userId)
    {
        var payload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{saleId}|{ticketId}|{expiresAtMs}|{userId}"));
        var signed = $"{_signingKeyId}.{payload}";
        return $"{signed}.{Base64Url.EncodeToString(Sign(_keys[_signingKeyId], signed))}";
    }

    /// <summary>The admit script's view of the token a claim carries: <see cref="None"/>, <see cref="Invalid"/> or "ticketId|expiresAtMs".</summary>
    public string Check(string? token, string saleId, string userId)
    {
        if (string.IsNullOrEmpty(token)) return None;
        var parts = token.Split('.');
        if (parts.Length != 3 || token.Length > 1024 || !_keys.TryGetValue(parts[0], out var key)) return Invalid;
        Span<byte> signature = stackalloc byte[64];
        if (!Base64Url.TryDecodeFromChars(parts[2], signature, out var length) || length != 32) return Invalid;
        if (!CryptographicOperations.FixedTimeEquals(signature[..length], Sign(key, $"{parts[0]}.{parts[1]}"))) return Invalid;
        string payload;
        try { payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1])); }
        catch (FormatException) { return Invalid; }
        var fields = payload.Split('|');
        // Bound to the sale and the user it was issued to; its expiry and single use are judged by Redis.
        if (fields.Length != 4 || fields[0] != saleId || fields[3] != userId || !long.TryParse(fields[2], out _)) return Invalid;
        return $"{fields[1]}|{fields[2]}";
    }

    private static byte[] Sign(byte[] key, string signed) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(signed));
}
