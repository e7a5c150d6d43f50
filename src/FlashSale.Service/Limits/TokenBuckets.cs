using System.Collections.Concurrent;

namespace FlashSale.Service.Limits;

/// <summary>
/// One token bucket per key, refilled from the clock when a token is taken. Buckets that have filled up again
/// are dropped by a sweep every <see cref="SweepEvery"/>, so a crowd of one-time buyers costs memory for about a
/// second each. (The framework's partitioned limiter walked every bucket ten times a second under a lock and
/// kept each one-time buyer's limiter for ten seconds: at ~10k new buyers a second that was the endpoint's
/// largest single cost.)
/// </summary>
public sealed class TokenBuckets<TKey> : IDisposable where TKey : notnull
{
    public static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<TKey, Bucket> _buckets = new();
    private readonly TimeProvider _clock;
    private readonly double _burst;
    private readonly double _perSecond;
    private readonly double _frequency;
    private readonly ITimer _sweeper;

    public TokenBuckets(int burst, int perSecond, TimeProvider clock)
    {
        _clock = clock;
        _burst = burst;
        _perSecond = perSecond;
        _frequency = clock.TimestampFrequency;
        _sweeper = clock.CreateTimer(_ => Sweep(), null, SweepEvery, SweepEvery);
    }

    /// <summary>Buckets currently held (full ones are dropped at the next sweep).</summary>
    public int Count => _buckets.Count;

    /// <summary>Takes one token from the key's bucket; false when it is empty.</summary>
    public bool TryTake(TKey key)
    {
        var now = _clock.GetTimestamp();
        while (true)
        {
            var bucket = _buckets.GetOrAdd(key, static (_, state) => new Bucket(state.Burst, state.Now), (Burst: _burst, Now: now));
            lock (bucket)
            {
                // The sweep removed this bucket while we held a reference: it was full, so a new one is the same.
                if (bucket.Dropped) continue;
                Refill(bucket, now);
                if (bucket.Tokens < 1) return false;
                bucket.Tokens -= 1;
                return true;
            }
        }
    }

    private void Refill(Bucket bucket, long now)
    {
        if (now <= bucket.Stamp) return;
        // Multiplied before dividing, so exactly one refill interval gives exactly one token, not 0.999...
        bucket.Tokens = Math.Min(_burst, bucket.Tokens + (now - bucket.Stamp) * _perSecond / _frequency);
        bucket.Stamp = now;
    }

    private void Sweep()
    {
        var now = _clock.GetTimestamp();
        foreach (var (key, bucket) in _buckets)
        {
            lock (bucket)
            {
                Refill(bucket, now);
                if (bucket.Tokens < _burst) continue;
                bucket.Dropped = true;
                _buckets.TryRemove(KeyValuePair.Create(key, bucket));
            }
        }
    }

    public void Dispose() => _sweeper.Dispose();

    private sealed class Bucket(double tokens, long stamp)
    {
        public double Tokens = tokens;
        public long Stamp = stamp;
        public bool Dropped;
    }
}
