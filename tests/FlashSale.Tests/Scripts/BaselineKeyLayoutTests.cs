using ServiceKeys = FlashSale.Service.Pool.SaleKeys;
using BaselineKeys = FlashSale.Baseline.SaleKeys;

namespace FlashSale.Tests.Scripts;

/// <summary>
/// The baseline admits into the same pool as the service (with the one-claim admit script of before batching); its copy of the key layout
/// (kept apart so the baseline references none of the service's code) must name the same keys, and the same
/// waiting-room keys in the same order.
/// </summary>
public sealed class BaselineKeyLayoutTests
{
    [Fact]
    public void The_baseline_names_the_keys_the_service_admits_into()
    {
        var service = new ServiceKeys("sale-1");
        var baseline = new BaselineKeys("sale-1");
        Assert.Equal(
            new[] { service.Meta, service.Remaining, service.Users, service.Claims, service.Queue },
            new[] { baseline.Meta, baseline.Remaining, baseline.Users, baseline.Claims, baseline.Queue });
        Assert.Equal(service.RoomScriptKeys, baseline.RoomScriptKeys);
    }
}
