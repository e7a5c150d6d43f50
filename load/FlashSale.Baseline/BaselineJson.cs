using System.Text.Json;
using System.Text.Json.Serialization;

namespace FlashSale.Baseline;

public sealed record ClaimBody(string UserId, int Quantity, string PaymentMethodId);

public sealed record ClaimAnswer(string ClaimId, string Status, string StatusUrl);

public sealed record Refusal(string Code);

public sealed record JoinBody(string UserId);

public sealed record Ticket(string TicketId, string Status);

public sealed record Place(string TicketId, string Status, long Position);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ClaimBody))]
[JsonSerializable(typeof(ClaimAnswer))]
[JsonSerializable(typeof(Refusal))]
[JsonSerializable(typeof(JoinBody))]
[JsonSerializable(typeof(Ticket))]
[JsonSerializable(typeof(Place))]
internal sealed partial class BaselineJson : JsonSerializerContext;
