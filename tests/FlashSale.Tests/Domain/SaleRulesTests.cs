using FlashSale.Core;

namespace FlashSale.Tests.Domain;

/// <summary>The contract's field rules for <c>POST /admin/sales</c>, each at and past its boundaries.</summary>
public sealed class SaleRulesTests
{
    private static readonly DateTime Now = new(2030, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private sealed record Input(
        string? Sku = "SKU-42", string? Name = "Limited sneaker", int? Stock = 1000, long? PriceCents = 12900,
        string? Currency = "usd", DateTime? StartsAt = null, DateTime? EndsAt = null, int? PerUserLimit = 1,
        bool NoStart = false, bool NoEnd = false);

    private static string[] FieldsInError(Input i) => SaleRules.Validate(
        i.Sku, i.Name, i.Stock, i.PriceCents, i.Currency,
        i.NoStart ? null : i.StartsAt ?? Now.AddHours(1), i.NoEnd ? null : i.EndsAt ?? Now.AddHours(2),
        i.PerUserLimit, Now).ToDictionary().Keys.Order().ToArray();

    private static void Valid(Input input) => Assert.Empty(FieldsInError(input));
    private static void Invalid(string field, Input input) => Assert.Equal([field], FieldsInError(input));

    [Fact]
    public void The_contracts_example_is_valid() => Valid(new());

    [Theory]
    [InlineData("a")]
    [InlineData("A.b_c-9")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123")] // 64
    public void Sku_of_1_to_64_allowed_characters_is_valid(string sku) => Valid(new(Sku: sku));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("01234567890123456789012345678901234567890123456789012345678901234")] // 65
    [InlineData("SKU 42")]
    [InlineData("SKU/42")]
    [InlineData("SKU:42")]
    [InlineData("skü")]
    public void Sku_otherwise_is_invalid(string? sku) => Invalid("sku", new(Sku: sku));

    [Fact]
    public void Name_of_1_to_200_characters_is_valid()
    {
        Valid(new(Name: "x"));
        Valid(new(Name: new string('n', 200)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Name_missing_or_blank_is_invalid(string? name) => Invalid("name", new(Name: name));

    [Fact]
    public void Name_of_201_characters_is_invalid() => Invalid("name", new(Name: new string('n', 201)));

    [Theory]
    [InlineData(1)]
    [InlineData(10_000_000)]
    public void Stock_of_1_to_ten_million_is_valid(int stock) => Valid(new(Stock: stock));

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(10_000_001)]
    public void Stock_otherwise_is_invalid(int? stock) => Invalid("stock", new(Stock: stock));

    [Theory]
    [InlineData(1L)]
    [InlineData(long.MaxValue)]
    public void Price_above_zero_is_valid(long price) => Valid(new(PriceCents: price));

    [Theory]
    [InlineData(null)]
    [InlineData(0L)]
    [InlineData(-1L)]
    public void Price_missing_or_not_positive_is_invalid(long? price) => Invalid("priceCents", new(PriceCents: price));

    [Theory]
    [InlineData("usd")]
    [InlineData("eur")]
    public void Currency_of_three_lower_case_letters_is_valid(string currency) => Valid(new(Currency: currency));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("USD")]
    [InlineData("Usd")]
    [InlineData("us")]
    [InlineData("usdd")]
    [InlineData("u5d")]
    [InlineData("us ")]
    public void Currency_otherwise_is_invalid(string? currency) => Invalid("currency", new(Currency: currency));

    [Fact]
    public void EndsAt_one_tick_after_startsAt_is_valid() =>
        Valid(new(StartsAt: Now.AddHours(1), EndsAt: Now.AddHours(1).AddTicks(1)));

    [Fact]
    public void EndsAt_equal_to_or_before_startsAt_is_invalid()
    {
        Invalid("endsAt", new(StartsAt: Now.AddHours(1), EndsAt: Now.AddHours(1)));
        Invalid("endsAt", new(StartsAt: Now.AddHours(2), EndsAt: Now.AddHours(1)));
    }

    [Fact]
    public void Missing_window_ends_are_invalid()
    {
        Invalid("startsAt", new(NoStart: true));
        Invalid("endsAt", new(NoEnd: true));
    }

    // The service's addition to the contract: a sale that is over before it is created cannot sell.
    [Fact]
    public void EndsAt_not_in_the_future_is_invalid()
    {
        Invalid("endsAt", new(StartsAt: Now.AddHours(-2), EndsAt: Now));
        Valid(new(StartsAt: Now.AddHours(-2), EndsAt: Now.AddTicks(1)));
    }

    [Theory]
    [InlineData(null)] // defaults to 1
    [InlineData(1)]
    [InlineData(100)]
    public void PerUserLimit_of_1_to_100_is_valid(int? limit) => Valid(new(PerUserLimit: limit));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(101)]
    public void PerUserLimit_otherwise_is_invalid(int limit) => Invalid("perUserLimit", new(PerUserLimit: limit));

    [Fact]
    public void Every_invalid_field_is_reported_at_once()
    {
        Assert.Equal(
            ["currency", "endsAt", "name", "perUserLimit", "priceCents", "sku", "stock"],
            FieldsInError(new("", "", 0, 0, "USD", Now.AddHours(2), Now.AddHours(1), 0)));
    }
}
