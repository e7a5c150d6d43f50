using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace FlashSale.Service.Pool;

/// <summary>A Lua script from <c>lua/</c>, embedded in the binary and run by its SHA1.</summary>
public sealed class RedisScript
{
    private RedisScript(string name, string source)
    {
        Name = name;
        Source = source;
        Sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(source));
    }

    public string Name { get; }
    public string Source { get; }
    public byte[] Sha1 { get; }

    public static RedisScript Load(string name)
    {
        using var stream = typeof(RedisScript).Assembly.GetManifestResourceStream($"lua/{name}.lua")
            ?? throw new InvalidOperationException($"Lua script lua/{name}.lua is not embedded.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return new RedisScript(name, reader.ReadToEnd());
    }

    public static bool IsNoScript(RedisServerException e) => e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal);

    /// <summary>Runs the script by its SHA only: a server that does not have it answers NOSCRIPT (and nothing ran).</summary>
    public Task<RedisResult> EvaluateCachedAsync(IDatabaseAsync db, RedisKey[] keys, RedisValue[] args) =>
        db.ScriptEvaluateAsync(Sha1, keys, args, CommandFlags.DemandMaster);

    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync db, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            // Every script writes: never to a replica, even while the primary is away (that answers READONLY at best).
            return await db.ScriptEvaluateAsync(Sha1, keys, args, CommandFlags.DemandMaster);
        }
        catch (RedisServerException e) when (IsNoScript(e))
        {
            // Redis restarted or its script cache was flushed. NOSCRIPT means nothing ran, so sending the
            // source once (EVAL, which caches it again) cannot apply the script twice.
            return await db.ScriptEvaluateAsync(Source, keys, args, CommandFlags.DemandMaster);
        }
    }
}
