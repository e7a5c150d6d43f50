using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Confluent.Kafka;

namespace FlashSale.Service.Queue.Kafka;

/// <summary>
/// A claim as a Kafka message: key = sale id, headers with the claim id and schema version, and a small JSON
/// body carrying its own version so a reader can tell formats apart without the headers.
/// </summary>
public static class ClaimRecord
{
    public const int SchemaVersion = 1;
    public const string ClaimIdHeader = "claim-id";
    public const string SchemaHeader = "schema-version";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Message<string, byte[]> ToMessage(ClaimMessage claim) => new()
    {
        Key = claim.SaleId,
        Value = JsonSerializer.SerializeToUtf8Bytes(new Body(SchemaVersion, claim.ClaimId, claim.SaleId, claim.UserId,
            claim.Quantity, claim.PaymentMethodId, claim.AdmittedAt.ToUnixTimeMilliseconds()), Json),
        Headers = new Headers
        {
            { ClaimIdHeader, Encoding.UTF8.GetBytes(claim.ClaimId) },
            { SchemaHeader, Encoding.UTF8.GetBytes(SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
        },
    };

    /// <returns>null when the body is not a claim this version can read (it goes to the dead letters).</returns>
    public static ClaimMessage? Read(byte[]? value)
    {
        if (value is null) return null;
        try
        {
            var body = JsonSerializer.Deserialize<Body>(value, Json);
            if (body is not { V: SchemaVersion } || string.IsNullOrEmpty(body.ClaimId) || string.IsNullOrEmpty(body.SaleId)
                || string.IsNullOrEmpty(body.UserId) || body.PaymentMethodId is null || body.Quantity < 1)
                return null;
            return new ClaimMessage(body.ClaimId, body.SaleId, body.UserId, body.Quantity, body.PaymentMethodId,
                DateTimeOffset.FromUnixTimeMilliseconds(body.AdmittedAtMs));
        }
        catch (Exception e) when (e is JsonException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    public static string? Header(Headers? headers, string name) =>
        headers is not null && headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;

    private sealed record Body(
        [property: JsonPropertyName("v")] int V, string ClaimId, string SaleId, string UserId, int Quantity,
        string PaymentMethodId, long AdmittedAtMs);
}
