using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using FlashSale.Service.Pool;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.Service.Redis;

/// <summary>
/// <c>FlashSale:Redis:AdmitReplicas</c>: a <c>202</c> goes out only once that many replicas hold the admit, so a
/// primary that dies right after cannot take it along (contract invariant 6). Redis replication is asynchronous;
/// <c>WAIT</c> blocks its connection, so it runs on a connection of its own, never on the shared multiplexer, and
/// the admits that finish while one <c>WAIT</c> is out are covered together by the next: one per master per round,
/// whatever the rate (group commit: a lone admit is never held back by a timer).
/// </summary>
public sealed class ReplicaAcks : IAsyncDisposable
{
    private readonly RedisOptions _options;
    private readonly ILogger<ReplicaAcks> _logger;
    private readonly Lazy<Task<ConnectionMultiplexer>> _connection;
    private readonly ConcurrentDictionary<EndPoint, Master> _masters = new();

    public ReplicaAcks(IOptions<RedisOptions> options, ILogger<ReplicaAcks> logger)
    {
        _options = options.Value;
        _logger = logger;
        _connection = new(ConnectAsync);
    }

    /// <summary>True once the replicas asked for hold every admit made on the sale's master so far.</summary>
    public ValueTask<bool> AcknowledgedAsync(string saleId) =>
        _options.AdmitReplicas == 0 ? ValueTask.FromResult(true) : new(WaitAsync(saleId));

    private async Task<bool> WaitAsync(string saleId)
    {
        try
        {
            var redis = await _connection.Value;
            // WAIT counts this connection's own writes: a write here, after the admit answered, carries an offset
            // past it, and replicas apply the stream in order.
            var marker = new SaleKeys(saleId).ReplicaMarker;
            var server = redis.GetServer(marker);
            var master = _masters.GetOrAdd(server.EndPoint, _ => new Master(this));
            return await master.WaitAsync(server, marker);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            _logger.LogWarning("Replica acknowledgement unavailable: {Reason}", e.Message);
            return false;
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var options = ConfigurationOptions.Parse(_options.Configuration);
        options.AbortOnConnectFail = false;
        options.ClientName = "flashsale-replica-acks";
        options.BacklogPolicy = BacklogPolicy.FailFast;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var master in _masters.Values) master.Complete();
        if (_connection.IsValueCreated) await (await _connection.Value).DisposeAsync();
    }

    private sealed class Master
    {
        private readonly ReplicaAcks _owner;
        private readonly Channel<(IServer Server, RedisKey Marker, TaskCompletionSource<bool> Done)> _waiting =
            Channel.CreateUnbounded<(IServer, RedisKey, TaskCompletionSource<bool>)>(new() { SingleReader = true });

        public Master(ReplicaAcks owner)
        {
            _owner = owner;
            _ = Task.Run(RunAsync);
        }

        public Task<bool> WaitAsync(IServer server, RedisKey marker)
        {
            var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_waiting.Writer.TryWrite((server, marker, done))) done.TrySetResult(false);
            return done.Task;
        }

        public void Complete() => _waiting.Writer.TryComplete();

        private async Task RunAsync()
        {
            var round = new List<(IServer Server, RedisKey Marker, TaskCompletionSource<bool> Done)>();
            while (await _waiting.Reader.WaitToReadAsync())
            {
                while (_waiting.Reader.TryRead(out var next)) round.Add(next);
                var acknowledged = await RoundAsync(round[^1].Server, round[^1].Marker);
                foreach (var waiter in round) waiter.Done.TrySetResult(acknowledged);
                round.Clear();
            }
        }

        private async Task<bool> RoundAsync(IServer server, RedisKey marker)
        {
            var options = _owner._options;
            try
            {
                await server.ExecuteAsync("SET", marker, "1", "PX", "600000");
                var replicas = (long)await server.ExecuteAsync("WAIT", options.AdmitReplicas, (long)options.AdmitReplicaTimeout.TotalMilliseconds);
                if (replicas < options.AdmitReplicas)
                    _owner._logger.LogWarning("{Replicas} of {Wanted} replicas acknowledged within {Timeout}", replicas, options.AdmitReplicas, options.AdmitReplicaTimeout);
                return replicas >= options.AdmitReplicas;
            }
            catch (Exception e) when (e is RedisException or TimeoutException or InvalidCastException)
            {
                _owner._logger.LogWarning("Waiting for replicas failed: {Reason}", e.Message);
                return false;
            }
        }
    }
}
