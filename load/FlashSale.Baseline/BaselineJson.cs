using System.Text.Json;
using System.Text.Json.Serialization;

namespace FlashSale.Baseline;

public sealed record ClaimBody(string UserId, int Quantity, string PaymentMethodId);

public sealed record ClaimAnswer(string ClaimId, string Status, string StatusUrl);

public sealed record Refusal(string Code);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ClaimBody))]
[JsonSerializable(typeof(ClaimAnswer))]
[JsonSerializable(typeof(Refusal))]
internal sealed partial class BaselineJson : JsonSerializerContext;
