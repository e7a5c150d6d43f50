using FlashSale.Core;

namespace FlashSale.Tests.Domain;

/// <summary>Which claim statuses are final, and which of those gave their stock back.</summary>
public sealed class ClaimStatusTests
{
    [Theory]
    [InlineData(ClaimStatus.Admitted, false, false)]
    [InlineData(ClaimStatus.Confirmed, false, false)]
    [InlineData(ClaimStatus.PaymentPending, false, false)]
    [InlineData(ClaimStatus.Paid, true, false)]
    [InlineData(ClaimStatus.PaymentFailed, true, true)]
    [InlineData(ClaimStatus.Released, true, true)]
    [InlineData(ClaimStatus.Expired, true, true)]
    [InlineData(ClaimStatus.Rejected, true, false)]
    public void Terminal_and_stock_returning_statuses_follow_the_contract(string status, bool terminal, bool returnsStock)
    {
        Assert.Equal(terminal, ClaimStatus.IsTerminal(status));
        Assert.Equal(returnsStock, ClaimStatus.ReturnsStock(status));
    }
}
