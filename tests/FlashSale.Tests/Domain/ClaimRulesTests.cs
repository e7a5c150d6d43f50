using FlashSale.Core;

namespace FlashSale.Tests.Domain;

/// <summary>The contract's field rules for <c>POST /sales/{saleId}/claims</c>.</summary>
public sealed class ClaimRulesTests
{
    private static string[] FieldsInError(string? userId = "u-123", int? quantity = 1, string? paymentMethodId = "pm_card_visa") =>
        ClaimRules.Validate(userId, quantity, paymentMethodId).ToDictionary().Keys.Order().ToArray();

    [Fact]
    public void The_contracts_example_is_valid() => Assert.Empty(FieldsInError());

    [Theory]
    [InlineData("u")]
    [InlineData("buyer@example.com")]
    [InlineData("tenant:42.user_7-x")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@-")]
    public void UserId_of_allowed_characters_is_valid(string userId) => Assert.Empty(FieldsInError(userId: userId));

    [Fact]
    public void UserId_of_128_characters_is_valid() => Assert.Empty(FieldsInError(userId: new string('u', 128)));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("u 1")]
    [InlineData("u|1")] // the claim record in Redis is "userId|quantity|admittedAtMs"
    [InlineData("u/1")]
    [InlineData("ü")]
    public void UserId_otherwise_is_invalid(string? userId) => Assert.Equal(["userId"], FieldsInError(userId: userId));

    [Fact]
    public void UserId_of_129_characters_is_invalid() => Assert.Equal(["userId"], FieldsInError(userId: new string('u', 129)));

    [Theory]
    [InlineData(null)] // defaults to 1
    [InlineData(1)]
    [InlineData(100)] // the sale's own perUserLimit is checked in the admit script
    public void Quantity_of_1_to_the_largest_per_user_limit_is_valid(int? quantity) => Assert.Empty(FieldsInError(quantity: quantity));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(101)]
    public void Quantity_otherwise_is_invalid(int quantity) => Assert.Equal(["quantity"], FieldsInError(quantity: quantity));

    [Theory]
    [InlineData("pm_card_visa")]
    [InlineData("pm_card_chargeDeclined")]
    [InlineData("pm-1")]
    public void PaymentMethodId_token_is_valid(string id) => Assert.Empty(FieldsInError(paymentMethodId: id));

    [Fact]
    public void PaymentMethodId_of_255_characters_is_valid() => Assert.Empty(FieldsInError(paymentMethodId: new string('p', 255)));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("pm card")]
    [InlineData("pm|card")]
    public void PaymentMethodId_empty_or_not_a_token_is_invalid(string? id) =>
        Assert.Equal(["paymentMethodId"], FieldsInError(paymentMethodId: id));

    // Required by an immediate-checkout sale, not by a hold sale: the admit script judges it (ClaimValidationTests).
    [Fact]
    public void PaymentMethodId_left_out_is_for_the_sale_to_judge() => Assert.Empty(FieldsInError(paymentMethodId: null));

    [Fact]
    public void PaymentMethodId_of_256_characters_is_invalid() =>
        Assert.Equal(["paymentMethodId"], FieldsInError(paymentMethodId: new string('p', 256)));

    [Fact]
    public void Every_invalid_field_is_reported_at_once() =>
        Assert.Equal(["paymentMethodId", "quantity", "userId"], FieldsInError("", 0, ""));
}
