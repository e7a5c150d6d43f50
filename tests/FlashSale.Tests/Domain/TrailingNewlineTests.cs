using FlashSale.Core;

namespace FlashSale.Tests.Domain;

/// <summary>
/// A trailing "\n" is not one of the allowed characters of any field or id. In .NET, <c>$</c> also matches
/// before a final newline, so a shape check anchored with <c>$</c> instead of <c>\z</c> lets it through.
/// </summary>
public sealed class TrailingNewlineTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "sku", "SKU-42\n" },
        { "currency", "usd\n" },
        { "userId", "u-123\n" },
        { "userId", new string('u', 128) + "\n" },
        { "paymentMethodId", "pm_card_visa\n" },
        { "saleId", "sale_0123456789abcdef0123456789abcdef\n" },
        { "claimId", "clm_0123456789abcdef0123456789abcdef\n" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_value_with_a_trailing_newline_is_refused(string field, string value)
    {
        var now = new DateTime(2030, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        var refused = field switch
        {
            "sku" => !SaleRules.Validate(value, "n", 1, 1, "usd", now.AddHours(1), now.AddHours(2), 1, now).IsEmpty,
            "currency" => !SaleRules.Validate("SKU-42", "n", 1, 1, value, now.AddHours(1), now.AddHours(2), 1, now).IsEmpty,
            "userId" => !ClaimRules.Validate(value, 1, "pm_card_visa").IsEmpty,
            "paymentMethodId" => !ClaimRules.Validate("u-123", 1, value).IsEmpty,
            "saleId" => !Ids.IsSaleId(value),
            "claimId" => !Ids.IsClaimId(value),
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        Assert.True(refused, $"{field} {value.ReplaceLineEndings("\\n")} was accepted");
    }
}
