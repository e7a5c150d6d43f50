using FlashSale.Core;

namespace FlashSale.Tests.Domain;

/// <summary>Ids are a prefix and 32 lower-case hex digits; anything else is refused by shape.</summary>
public sealed class IdsTests
{
    [Fact]
    public void New_ids_have_the_contract_shape_and_are_unique()
    {
        var sales = Enumerable.Range(0, 1000).Select(_ => Ids.NewSaleId()).ToList();
        var claims = Enumerable.Range(0, 1000).Select(_ => Ids.NewClaimId()).ToList();

        Assert.All(sales, id => Assert.Matches("^sale_[0-9a-f]{32}$", id));
        Assert.All(claims, id => Assert.Matches("^clm_[0-9a-f]{32}$", id));
        Assert.All(sales, id => Assert.True(Ids.IsSaleId(id)));
        Assert.All(claims, id => Assert.True(Ids.IsClaimId(id)));
        Assert.Equal(1000, sales.Distinct().Count());
        Assert.Equal(1000, claims.Distinct().Count());
    }

    [Fact]
    public void New_ids_are_version_7_guids()
    {
        var hex = Ids.NewClaimId()["clm_".Length..];

        Assert.Equal(7, Guid.ParseExact(hex, "N").Version);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sale_")]
    [InlineData("sale_0123456789abcdef0123456789abcde")] // 31
    [InlineData("sale_0123456789abcdef0123456789abcdef0")] // 33
    [InlineData("sale_0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("clm_0123456789abcdef0123456789abcdef")]
    [InlineData("SALE_0123456789abcdef0123456789abcdef")]
    [InlineData("sale_0123456789abcdef0123456789abcdeg")]
    [InlineData(" sale_0123456789abcdef0123456789abcdef")]
    public void A_sale_id_of_another_shape_is_refused(string? id) => Assert.False(Ids.IsSaleId(id));

    [Theory]
    [InlineData(null)]
    [InlineData("clm_0123456789abcdef0123456789abcde")]
    [InlineData("clm_0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("sale_0123456789abcdef0123456789abcdef")]
    [InlineData("claim_0123456789abcdef0123456789abcdef")]
    public void A_claim_id_of_another_shape_is_refused(string? id) => Assert.False(Ids.IsClaimId(id));

    [Fact]
    public void Well_formed_ids_are_accepted()
    {
        Assert.True(Ids.IsSaleId("sale_0123456789abcdef0123456789abcdef"));
        Assert.True(Ids.IsClaimId("clm_0123456789abcdef0123456789abcdef"));
    }

    [Fact]
    public void The_order_id_is_derived_from_the_claim_id()
    {
        Assert.Equal("ord_0123456789abcdef0123456789abcdef", Ids.OrderIdFor("clm_0123456789abcdef0123456789abcdef"));
        var claimId = Ids.NewClaimId();
        Assert.Equal(Ids.OrderIdFor(claimId), Ids.OrderIdFor(claimId));
    }
}
