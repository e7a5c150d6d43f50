using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FlashSale.Core;
using FlashSale.Service.Claims;
using FlashSale.Service.Holds;
using FlashSale.Service.Sales;
using FlashSale.Service.StripeWebhooks;
using FlashSale.Service.WaitingRoom;
using FlashSale.Service.Webhooks;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FlashSale.Service.OpenApi;

/// <summary>
/// The schemas as the wire has them. Request records are all-nullable so a missing member is a field error rather
/// than a crash; the document instead says which members are required and what values they take (the rules of
/// SaleRules and ClaimRules). Responses leave out null members, so those are optional, not required-and-null; and
/// statuses are enums, so a generated client can switch on them.
/// </summary>
internal static class SchemaDescriber
{
    private static readonly string[] ClaimStatuses = Constants(typeof(ClaimStatus));
    private static readonly string[] SaleStatuses = Constants(typeof(SaleStatus));
    private static readonly string[] TicketStatuses = ["waiting", "admitted", "used", "expired", "sold_out"];
    private const string UserIdPattern = "^[A-Za-z0-9._:@-]+$";

    private static readonly Dictionary<Type, Action<OpenApiSchema>> Requests = new()
    {
        [typeof(CreateSaleRequest)] = s =>
        {
            Require(s, "sku", "name", "stock", "priceCents", "currency", "startsAt", "endsAt");
            Text(s, "sku", 1, 64, "^[A-Za-z0-9._-]+$");
            Text(s, "name", 1, SaleRules.MaxNameLength);
            Number(s, "stock", 1, SaleRules.MaxStock);
            Number(s, "priceCents", 1, null, "In the currency's smallest unit.");
            Text(s, "currency", 3, 3, "^[a-z]{3}$", "ISO 4217, lower case.");
            Describe(s, "endsAt", "After startsAt.");
            Number(s, "perUserLimit", 1, SaleRules.MaxPerUserLimit, "Units one user may claim (default 1).");
            OneOf(s, "checkout", [SaleRules.ImmediateCheckout, SaleRules.HoldCheckout], "`immediate` (default): charged at claim; `hold`: reserved, paid through checkout.");
            Number(s, "holdSeconds", SaleRules.MinHoldSeconds, SaleRules.MaxHoldSeconds, "Hold checkout: how long units stay reserved (default 600).");
            Number(s, "maxPaymentAttempts", 1, SaleRules.MaxPaymentAttempts, "Charges one buyer may try in the sale (default 3).");
            Number(s, "poolShards", 1, SaleRules.MaxPoolShards,
                "Redis pools the stock is split over, so one hot sale admits on several Redis cores (default 1; 1 with a waiting room).");
        },
        [typeof(WaitingRoomSettings)] = s =>
        {
            Describe(s, "enabled", "Claims need an admission token from the queue (default false).");
            Number(s, "prequeueMinutes", 0, SaleRules.MaxPrequeueMinutes, "The queue opens this long before startsAt (default 10).");
            Number(s, "outflowPerMinute", 1, SaleRules.MaxOutflowPerMinute, "Tickets admitted per minute (default 60000).");
            Number(s, "tokenSeconds", SaleRules.MinTokenSeconds, SaleRules.MaxTokenSeconds, "How long an admission token is good for (default 120).");
        },
        [typeof(PatchSaleRequest)] = s => Require(s, "waitingRoom"),
        [typeof(WaitingRoomPatch)] = s =>
        {
            Require(s, "outflowPerMinute");
            Number(s, "outflowPerMinute", 1, SaleRules.MaxOutflowPerMinute);
        },
        [typeof(ClaimRequest)] = s =>
        {
            Require(s, "userId");
            Text(s, "userId", 1, 128, UserIdPattern, "The buyer, as the storefront knows them: one claim per user per sale.");
            Number(s, "quantity", 1, SaleRules.MaxPerUserLimit, "1 to the sale's perUserLimit (default 1).");
            Text(s, "paymentMethodId", 1, 255, null, "Required in an immediate-checkout sale (charged at once); left out in a hold sale.");
        },
        [typeof(CheckoutRequest)] = s =>
        {
            Text(s, "paymentMethodId", 1, 255, null, "Server-side confirm: the service charges this payment method.");
            OneOf(s, "confirm", ["client"], "Client confirm: a PaymentIntent for the browser to confirm (send this or paymentMethodId).");
        },
        [typeof(JoinQueueRequest)] = s =>
        {
            Require(s, "userId");
            Text(s, "userId", 1, 128, UserIdPattern);
        },
        [typeof(CreateWebhookRequest)] = s =>
        {
            Require(s, "url", "events");
            Text(s, "url", 1, 2048, null, "An absolute http or https URL.");
            if (s.Properties?["events"] is OpenApiSchema events)
            {
                events.Type = JsonSchemaType.Array;
                events.MinItems = 1;
                events.UniqueItems = true;
                events.Items = new OpenApiSchema { Type = JsonSchemaType.String, Enum = Nodes(WebhookEventTypes.All) };
            }
            Text(s, "secret", null, null, "^whsec_[A-Za-z0-9+/=]+$", "whsec_ and the base64 of 24 to 64 bytes; made for you when left out.");
        },
        [typeof(SimulatedConfirmRequest)] = s =>
        {
            Require(s, "paymentMethodId");
            Text(s, "paymentMethodId", 4, 255, "^pm_", "A test payment method: pm_card_visa succeeds, pm_card_chargeDeclined is declined.");
        },
    };

    private static readonly Dictionary<Type, Action<OpenApiSchema>> Responses = new()
    {
        [typeof(ClaimResponse)] = s => OneOf(s, "status", ClaimStatuses),
        [typeof(ClaimAccepted)] = s => OneOf(s, "status", ClaimStatuses),
        [typeof(SaleResponse)] = s =>
        {
            OneOf(s, "status", SaleStatuses);
            OneOf(s, "checkout", [SaleRules.ImmediateCheckout, SaleRules.HoldCheckout]);
        },
        [typeof(PublicSaleResponse)] = s => OneOf(s, "status", SaleStatuses),
        [typeof(TicketResponse)] = s => OneOf(s, "status", TicketStatuses),
    };

    public static Task DescribeAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        var type = context.JsonTypeInfo.Type;
        if (schema.Properties is not { Count: > 0 }) return Task.CompletedTask;
        if (Requests.TryGetValue(type, out var request))
        {
            // What the strict reader takes: a member is left out, never null.
            foreach (var property in schema.Properties.Values.OfType<OpenApiSchema>())
                if (property.Type is { } t && t != JsonSchemaType.Null) property.Type = t & ~JsonSchemaType.Null;
            schema.Required = new HashSet<string>();
            request(schema);
            return Task.CompletedTask;
        }
        OptionalWhenNull(schema, context.JsonTypeInfo.Type);
        if (Responses.TryGetValue(type, out var response)) response(schema);
        return Task.CompletedTask;
    }

    // The service writes no null member (WhenWritingNull) but those marked to be written always.
    private static void OptionalWhenNull(OpenApiSchema schema, Type type)
    {
        if (schema.Required is not { Count: > 0 } required) return;
        foreach (var (name, property) in schema.Properties!)
        {
            if (property is not OpenApiSchema { Type: { } t } || !t.HasFlag(JsonSchemaType.Null)) continue;
            var member = type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (member?.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.Never }) continue;
            required.Remove(name);
        }
    }

    private static void Require(OpenApiSchema s, params string[] names)
    {
        s.Required ??= new HashSet<string>();
        foreach (var name in names) s.Required.Add(name);
    }

    private static void Text(OpenApiSchema s, string name, int? min, int? max, string? pattern = null, string? description = null)
    {
        if (Property(s, name) is not { } p) return;
        p.MinLength = min;
        p.MaxLength = max;
        p.Pattern = pattern;
        if (description is not null) p.Description = description;
    }

    private static void Number(OpenApiSchema s, string name, long min, long? max, string? description = null)
    {
        if (Property(s, name) is not { } p) return;
        p.Minimum = min.ToString(CultureInfo.InvariantCulture);
        p.Maximum = max?.ToString(CultureInfo.InvariantCulture);
        if (description is not null) p.Description = description;
    }

    private static void OneOf(OpenApiSchema s, string name, IEnumerable<string> values, string? description = null)
    {
        if (Property(s, name) is not { } p) return;
        p.Enum = Nodes(values);
        if (description is not null) p.Description = description;
    }

    private static void Describe(OpenApiSchema s, string name, string description)
    {
        if (Property(s, name) is { } p) p.Description = description;
    }

    private static OpenApiSchema? Property(OpenApiSchema s, string name) =>
        s.Properties?.TryGetValue(name, out var p) == true ? p as OpenApiSchema : null;

    private static List<JsonNode> Nodes(IEnumerable<string> values) => [.. values.Select(v => (JsonNode)JsonValue.Create(v))];

    private static string[] Constants(Type type) => type.GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!).ToArray();
}
