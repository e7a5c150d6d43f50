using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>A flushed script cache costs one EVAL: the script runs, and is cached again for the next call.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisScriptNoScriptTests(RedisFixture redis)
{
    [Fact]
    public async Task Admit_still_works_after_SCRIPT_FLUSH_and_caches_the_script_again()
    {
        var saleId = await redis.PreloadAsync(stock: 3);
        var sha = redis.Scripts.Admit.Sha1;
        // The server is shared with other test runs whose calls may cache the script again at any moment.
        await Eventually.True(async () =>
        {
            await redis.Server.ScriptFlushAsync();
            return !await redis.Server.ScriptExistsAsync(sha);
        }, TimeSpan.FromSeconds(10), "the admit script is out of the server's cache");

        var result = await redis.AdmitAsync(saleId, "u1");

        Assert.Equal(("admitted", 2L), (result.Outcome, result.Remaining));
        Assert.True(await redis.Server.ScriptExistsAsync(sha));
        Assert.Equal(1, await redis.QueueLengthAsync(saleId));
    }

    [Fact]
    public async Task Every_scripts_sha_is_the_one_redis_computes_for_its_source()
    {
        foreach (var script in redis.Scripts.All)
        {
            var loaded = await redis.Server.ScriptLoadAsync(script.Source);

            Assert.Equal(Convert.ToHexStringLower(loaded), Convert.ToHexStringLower(script.Sha1));
        }
    }
}
