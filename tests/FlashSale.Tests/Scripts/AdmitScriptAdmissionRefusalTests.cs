using FlashSale.Core;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>
/// lua/admit.lua on a waiting-room sale: a token the edge found well signed is still refused when its ticket is not the
/// sale's, already used, lapsed, or another user's, each with its own outcome (the metrics' reason; the buyer sees
/// 403 admission_invalid for all), and nothing changes. (A three-second token: the API allows ten at least.)
/// </summary>
public abstract class AdmitScriptAdmissionRefusalTests(RedisFixture redis)
{
    [Fact]
    public async Task Each_refused_token_says_why_and_takes_nothing()
    {
        var (sale, room) = await TestRooms.LiveAsync(redis, stock: 10, outflowPerMinute: 6_000_000, tokenSeconds: 3);
        var ann = (await room.JoinAsync(sale, "ann", Ids.NewTicketId())).TicketId;
        var ben = (await room.JoinAsync(sale, "ben", Ids.NewTicketId())).TicketId;
        // The room's first credit lets one in; at this rate the next tick lets in the other.
        await Eventually.True(async () => (await room.TickAsync(sale.SaleId, TimeSpan.FromSeconds(2)))!.Value.Admitted > 0
            && (await room.PollAsync(sale.SaleId, ben))!.Status == "admitted", TimeSpan.FromSeconds(5), "both are admitted");
        var annState = (await room.PollAsync(sale.SaleId, ann))!;
        var benState = (await room.PollAsync(sale.SaleId, ben))!;
        Assert.Equal(("admitted", "admitted"), (annState.Status, benState.Status));

        Assert.Equal("admission_required", await AdmitAsync(sale.SaleId, "ann", ""));
        Assert.Equal("admission_invalid", await AdmitAsync(sale.SaleId, "ann", "-"));
        Assert.Equal("admission_unknown", await AdmitAsync(sale.SaleId, "ann", $"{Ids.NewTicketId()}|{annState.TokenExpiresAtMs}"));
        Assert.Equal("admission_invalid", await AdmitAsync(sale.SaleId, "ann", $"{ben}|{benState.TokenExpiresAtMs}"));
        Assert.Equal(10, (await redis.Pool.CountsAsync(sale.SaleId))!.Remaining);

        Assert.Equal("admitted", await AdmitAsync(sale.SaleId, "ann", $"{ann}|{annState.TokenExpiresAtMs}"));
        // Ann's ticket is used; a second claim through it (here as if another claim of hers were allowed) is refused.
        await redis.Db.HashDeleteAsync(new Service.Pool.SaleKeys(sale.SaleId).Users, "ann");
        Assert.Equal("admission_used", await AdmitAsync(sale.SaleId, "ann", $"{ann}|{annState.TokenExpiresAtMs}"));

        await Eventually.True(async () => (await room.PollAsync(sale.SaleId, ben))!.Status == "expired", TimeSpan.FromSeconds(10), "ben's token lapses");
        Assert.Equal("admission_expired", await AdmitAsync(sale.SaleId, "ben", $"{ben}|{benState.TokenExpiresAtMs}"));
        Assert.Equal(9, (await redis.Pool.CountsAsync(sale.SaleId))!.Remaining);
    }

    private async Task<string> AdmitAsync(string saleId, string userId, string admission) =>
        (await redis.Admit.RunAsync(saleId, userId, 1, "pm_card_visa", Ids.NewClaimId(), admission)).Outcome;
}

[Collection(RedisCollection.Name)]
public sealed class AdmitScriptAdmissionRefusalTestsOnSingleNode(SingleNodeRedis redis) : AdmitScriptAdmissionRefusalTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class AdmitScriptAdmissionRefusalTestsOnCluster(ClusterRedis redis) : AdmitScriptAdmissionRefusalTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class AdmitScriptAdmissionRefusalTestsBehindSentinels(SentinelRedis redis) : AdmitScriptAdmissionRefusalTests(redis);
