using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>A flushed script cache costs one EVAL: the script runs, and is cached again for the next call.</summary>
public abstract class RedisScriptNoScriptTests(RedisFixture redis)
{
    [Fact]
    public async Task Admit_still_works_after_SCRIPT_FLUSH_and_caches_the_script_again()
    {
        var saleId = await redis.PreloadAsync(stock: 3);
        var sha = redis.Scripts.Admit.Sha1;
        // The master that holds the sale's slot (on a cluster each master has a script cache of its own).
        var server = redis.ServerOf(saleId);
        // The server is shared with other test runs whose calls may cache the script again at any moment.
        await Eventually.True(async () =>
        {
            await server.ScriptFlushAsync();
            return !await server.ScriptExistsAsync(sha);
        }, TimeSpan.FromSeconds(10), "the admit script is out of the server's cache");

        var result = await redis.AdmitAsync(saleId, "u1");

        Assert.Equal(("admitted", 2L), (result.Outcome, result.Remaining));
        Assert.True(await server.ScriptExistsAsync(sha));
        Assert.Equal(1, await redis.QueueLengthAsync(saleId));
    }

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
public sealed class RedisScriptNoScriptTestsOnSingleNode(SingleNodeRedis redis) : RedisScriptNoScriptTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class RedisScriptNoScriptTestsOnCluster(ClusterRedis redis) : RedisScriptNoScriptTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class RedisScriptNoScriptTestsBehindSentinels(SentinelRedis redis) : RedisScriptNoScriptTests(redis);
