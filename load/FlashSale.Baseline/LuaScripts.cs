using StackExchange.Redis;

namespace FlashSale.Baseline;

/// <summary>The service's admit, preload and waiting-room scripts, loaded once and run by SHA1, as the service does.</summary>
public sealed record LuaScripts(byte[] Admit, byte[] Preload, byte[] QueueJoin, byte[] QueuePoll)
{
    public static async Task<LuaScripts> LoadAsync(IConnectionMultiplexer redis)
    {
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        return new LuaScripts(await server.ScriptLoadAsync(Read("admit.lua")), await server.ScriptLoadAsync(Read("preload.lua")),
            await server.ScriptLoadAsync(Read("queue_join.lua")), await server.ScriptLoadAsync(Read("queue_poll.lua")));
    }

    private static string Read(string name)
    {
        using var stream = typeof(LuaScripts).Assembly.GetManifestResourceStream(name)!;
        return new StreamReader(stream).ReadToEnd();
    }
}

/// <summary>The service's key layout (src/FlashSale.Service/Pool/SaleKeys.cs), so both can admit into one pool.</summary>
/// <remarks>
/// A copy on purpose: the baseline is the bare floor the service is measured against, so it references nothing of
/// the service's code (no DI, no options, no pool). BaselineKeyLayoutTests fails when the two part.
/// </remarks>
public readonly record struct SaleKeys(string SaleId)
{
    public RedisKey Meta => $"fs:{{{SaleId}}}:meta";
    public RedisKey Remaining => $"fs:{{{SaleId}}}:remaining";
    public RedisKey Users => $"fs:{{{SaleId}}}:users";
    public RedisKey Claims => $"fs:{{{SaleId}}}:claims";
    public RedisKey Queue => $"fs:{{{SaleId}}}:queue";

    /// <summary>The keys every waiting-room script takes, in the service's order (SaleKeys.RoomScriptKeys).</summary>
    public RedisKey[] RoomScriptKeys =>
    [
        $"fs:{{{SaleId}}}:wr", $"fs:{{{SaleId}}}:wr:users", $"fs:{{{SaleId}}}:wr:tickets", $"fs:{{{SaleId}}}:wr:line",
        $"fs:{{{SaleId}}}:wr:pre", $"fs:{{{SaleId}}}:wr:admits", Remaining, $"fs:{{{SaleId}}}:wr:order", $"fs:{{{SaleId}}}:wr:ranks",
        Meta, $"fs:{{{SaleId}}}:wr:shuffling",
    ];
}
