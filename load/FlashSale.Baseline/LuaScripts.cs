using StackExchange.Redis;

namespace FlashSale.Baseline;

/// <summary>The service's admit and preload scripts, loaded once and run by SHA1, as the service does.</summary>
public sealed record LuaScripts(byte[] Admit, byte[] Preload)
{
    public static async Task<LuaScripts> LoadAsync(IConnectionMultiplexer redis)
    {
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        return new LuaScripts(await server.ScriptLoadAsync(Read("admit.lua")), await server.ScriptLoadAsync(Read("preload.lua")));
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
}
