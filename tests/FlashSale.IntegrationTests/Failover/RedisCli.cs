using System.Diagnostics;

namespace FlashSale.IntegrationTests.Failover;

/// <summary>redis-cli against one port: how the failover tests ask Sentinels and cluster nodes what they see.</summary>
public static class RedisCli
{
    public static async Task<string[]> RunAsync(int port, params string[] args)
    {
        var start = new ProcessStartInfo("redis-cli", ["-h", "127.0.0.1", "-p", port.ToString(), .. args])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The port of the primary the Sentinels name now (null while none answers).</summary>
    public static async Task<int?> SentinelPrimaryAsync()
    {
        var reply = await RunAsync(FailoverStores.SentinelPort, "sentinel", "get-master-addr-by-name", FailoverStores.ServiceName);
        return reply.Length == 2 && int.TryParse(reply[1], out var port) ? port : null;
    }

    public static async Task<bool> IsMasterAsync(int port) => (await RunAsync(port, "role")).FirstOrDefault() == "master";
}
