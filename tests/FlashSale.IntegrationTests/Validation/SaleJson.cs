using System.Globalization;
using System.Text.Json.Nodes;

namespace FlashSale.IntegrationTests.Validation;

/// <summary>Sale and claim bodies as JSON trees, so a test can break exactly one member.</summary>
public static class SaleJson
{
    /// <summary>Now, to the whole second: the service keeps microseconds, so equality checks stay exact.</summary>
    public static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
    }

    public static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static JsonObject Sale(string sku, string name, TimeSpan? startsIn = null, TimeSpan? endsIn = null, int stock = 10, int? perUserLimit = 1)
    {
        var now = Now();
        var body = new JsonObject
        {
            ["sku"] = sku,
            ["name"] = name,
            ["stock"] = stock,
            ["priceCents"] = 12900,
            ["currency"] = "usd",
            ["startsAt"] = Iso(now + (startsIn ?? TimeSpan.FromMinutes(-1))),
            ["endsAt"] = Iso(now + (endsIn ?? TimeSpan.FromMinutes(30))),
        };
        if (perUserLimit is not null) body["perUserLimit"] = perUserLimit;
        return body;
    }

    public static JsonObject Claim(string userId, int quantity = 1, string paymentMethodId = "pm_card_visa") =>
        new() { ["userId"] = userId, ["quantity"] = quantity, ["paymentMethodId"] = paymentMethodId };

    /// <summary>Sets <paramref name="member"/> to the JSON <paramref name="fragment"/>, or removes it when the fragment is null.</summary>
    public static JsonObject With(this JsonObject body, string member, string? fragment)
    {
        if (fragment is null) body.Remove(member);
        else body[member] = JsonNode.Parse(fragment);
        return body;
    }

    /// <summary>A JSON string literal of <paramref name="value"/>.</summary>
    public static string Str(string value) => JsonValue.Create(value).ToJsonString();
}
