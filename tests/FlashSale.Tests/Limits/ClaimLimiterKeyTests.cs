using System.Net;
using FlashSale.Service.Limits;

namespace FlashSale.Tests.Limits;

/// <summary>The limits' bucket keys: one per user and sale, one per client address.</summary>
public sealed class ClaimLimiterKeyTests
{
    [Fact]
    public void A_user_keeps_one_key_per_sale_and_other_users_and_sales_get_others()
    {
        const string sale = "sale_0123456789abcdef0123456789abcdef", other = "sale_fedcba9876543210fedcba9876543210";
        var keys = Enumerable.Range(0, 100_000).Select(i => ClaimLimiter.KeyOf(sale, "user-" + i)).ToHashSet();

        Assert.Equal(100_000, keys.Count);
        Assert.Equal(ClaimLimiter.KeyOf(sale, "user-7"), ClaimLimiter.KeyOf(sale, new string("user-7".ToCharArray())));
        Assert.NotEqual(ClaimLimiter.KeyOf(sale, "user-7"), ClaimLimiter.KeyOf(other, "user-7"));
        Assert.NotEqual(ClaimLimiter.KeyOf(sale, "Bob"), ClaimLimiter.KeyOf(sale, "bob"));
    }

    [Fact]
    public void Client_addresses_get_distinct_keys()
    {
        IPAddress[] addresses =
        [
            IPAddress.Loopback, IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"), IPAddress.IPv6Loopback,
            IPAddress.Parse("2001:db8::1"), IPAddress.Parse("2001:db8::2"), IPAddress.Parse("2001:db9::1"), IPAddress.None,
        ];

        Assert.Equal(addresses.Length, addresses.Select(ClaimLimiter.KeyOf).Distinct().Count());
        Assert.Equal(ClaimLimiter.KeyOf(IPAddress.Parse("10.0.0.1")), ClaimLimiter.KeyOf(IPAddress.Parse("10.0.0.1")));
    }
}
