using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>The scripts run by the SHA the service computes from their embedded source.</summary>
public abstract class ScriptShaTests(RedisFixture redis)
{
    [Fact]
    public async Task Every_scripts_sha_is_the_one_redis_computes_for_its_source()
    {
        foreach (var script in redis.Scripts.All)
        {
            var loaded = await redis.Primaries.First().ScriptLoadAsync(script.Source);

            Assert.Equal(Convert.ToHexStringLower(loaded), Convert.ToHexStringLower(script.Sha1));
        }
    }
}

[Collection(RedisCollection.Name)]
public sealed class ScriptShaTestsOnSingleNode(SingleNodeRedis redis) : ScriptShaTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class ScriptShaTestsOnCluster(ClusterRedis redis) : ScriptShaTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class ScriptShaTestsBehindSentinels(SentinelRedis redis) : ScriptShaTests(redis);
