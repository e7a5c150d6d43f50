using FlashSale.Service.Claims;
using FlashSale.Service.Pool;
using FlashSale.Service.Queue;
using FlashSale.Service.Redis;
using FlashSale.Service.Sales;
using FlashSale.Tests.Infrastructure;
using StackExchange.Redis;

namespace FlashSale.Tests.Scripts;

/// <summary>
/// A Redis crash loses neither a claim nor a dedupe token (AOF, fsync always), and the restarted server's empty
/// script cache holds admits back until its pools are checked, then they go on exactly; so does a flushed cache.
/// Runs on a redis-server of its own, which it kills and flushes: a single node on purpose (a flush of a shared
/// server would hold back every other test's claims; killing a cluster master or a Sentinel primary is the
/// failover tests' job).
/// </summary>
public sealed class AdmitScriptAfterRedisRestartTests : IAsyncLifetime
{
    private readonly PrivateRedisServer _server = new();
    private readonly RedisScripts _scripts = new();
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync()
    {
        try
        {
            _server.Start();
            var options = ConfigurationOptions.Parse(_server.Address);
            options.AbortOnConnectFail = false;
            options.AllowAdmin = true;
            options.ReconnectRetryPolicy = new LinearRetry(100);
            _redis = await ConnectionMultiplexer.ConnectAsync(options);
            await AnswersPingAsync();
        }
        catch
        {
            await DisposeAsync(); // never leave the private server running
            throw;
        }
    }

    [Fact]
    public async Task A_user_admitted_before_a_crash_gets_a_replay_after_it_and_stock_stays_exact()
    {
        var (verifier, admit, sale) = await PreloadAsync(stock: 5);
        var before = await admit.RunAsync(sale.SaleId, "u1", 1, TestSales.PaymentMethod, FlashSale.Core.Ids.NewClaimId());
        Assert.Equal(("admitted", 4L), (before.Outcome, before.Remaining));

        _server.Kill();
        _server.Start();
        await AnswersPingAsync();
        var server = _redis.GetServer(_redis.GetEndPoints()[0]);
        Assert.False(await server.ScriptExistsAsync(_scripts.Admit.Sha1), "a restarted Redis starts with an empty script cache");

        // A restarted primary may have lost its last writes: nothing is admitted on it until its pools are checked.
        var unchecked_ = await admit.RunAsync(sale.SaleId, "u3", 1, TestSales.PaymentMethod, FlashSale.Core.Ids.NewClaimId());
        Assert.Equal(new("unverified", "", -1), unchecked_);
        Assert.Equal(new SaleKeys(sale.SaleId).Meta, Assert.Single(verifier.Requests));
        // What the service's check does last, once the pools there agree with PostgreSQL (Pool/PoolVerifier.cs).
        await server.ScriptLoadAsync(_scripts.Admit.Source);

        var replay = await admit.RunAsync(sale.SaleId, "u1", 1, TestSales.PaymentMethod, FlashSale.Core.Ids.NewClaimId());
        var u2 = await admit.RunAsync(sale.SaleId, "u2", 1, TestSales.PaymentMethod, FlashSale.Core.Ids.NewClaimId());

        Assert.Equal(new("replay", before.ClaimId, 4), replay);
        Assert.Equal(("admitted", 3L), (u2.Outcome, u2.Remaining));
        Assert.NotEqual(before.ClaimId, u2.ClaimId);
        Assert.True(await server.ScriptExistsAsync(_scripts.Admit.Sha1));
        var db = _redis.GetDatabase();
        var keys = new SaleKeys(sale.SaleId);
        Assert.Equal(3, (long)await db.StringGetAsync(keys.Remaining));
        Assert.Equal(2, await db.StreamLengthAsync(keys.Queue));
        Assert.Equal(2, (long)await db.HashGetAsync(keys.Meta, "admitted"));
        Assert.Equal("flashsale-workers", Assert.Single(await db.StreamGroupInfoAsync(keys.Queue)).Name);
    }

    [Fact]
    public async Task After_SCRIPT_FLUSH_admits_wait_for_the_pools_check_and_then_go_on()
    {
        var (verifier, admit, sale) = await PreloadAsync(stock: 3);
        var server = _redis.GetServer(_redis.GetEndPoints()[0]);

        await server.ScriptFlushAsync();
        var held = await admit.RunAsync(sale.SaleId, "u1", 1, TestSales.PaymentMethod, FlashSale.Core.Ids.NewClaimId());
        await server.ScriptLoadAsync(_scripts.Admit.Source);
        var admitted = await admit.RunAsync(sale.SaleId, "u1", 1, TestSales.PaymentMethod, FlashSale.Core.Ids.NewClaimId());

        // NOSCRIPT means nothing ran: no stock taken, no token, no queue entry, and the primary is to be checked.
        Assert.Equal(new("unverified", "", -1), held);
        Assert.Single(verifier.Requests);
        Assert.Equal(("admitted", 2L), (admitted.Outcome, admitted.Remaining));
        Assert.Equal(1, await _redis.GetDatabase().StreamLengthAsync(new SaleKeys(sale.SaleId).Queue));
    }

    // The scripts loaded and a sale preloaded on the private server, as the service would have them.
    private async Task<(RecordingVerifier Verifier, AdmitScript Admit, SaleRow Sale)> PreloadAsync(int stock)
    {
        var verifier = new RecordingVerifier();
        await RecordingVerifier.LoadScriptsAsync(_redis, _scripts);
        var pool = new SalePool(_redis, _scripts, new ActiveSales(_redis, TestRedis.NewNamespace()), Microsoft.Extensions.Options.Options.Create(new QueueOptions()));
        var sale = TestSales.Row(stock);
        await pool.PreloadAsync(sale);
        return (verifier, new AdmitScript(_redis, _scripts, verifier), sale);
    }

    private async Task AnswersPingAsync()
    {
        try
        {
            await Eventually.True(async () =>
            {
                try
                {
                    await _redis.GetDatabase().PingAsync();
                    return true;
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(20), $"the private redis-server at {_server.Address} answers PING");
        }
        catch (TimeoutException e)
        {
            throw new InvalidOperationException($"{e.Message}. Its log:\n{_server.Log()}", e);
        }
    }

    public async Task DisposeAsync()
    {
        if (_redis is not null) await _redis.DisposeAsync();
        _server.Dispose();
    }
}
