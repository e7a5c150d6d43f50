using System.Collections.Concurrent;

namespace FlashSale.Service.Limits;

/// <summary>
/// One token bucket per key (burst, tokens per second), kept as the generic cell rate algorithm does: a single
/// "theoretical arrival time" per key, moved forward by one interval per token taken with a compare-and-swap,
/// so no lock and no timer touches a bucket. A bucket whose time has passed is full again and is dropped by a
/// sweep every <see cref="SweepEvery"/>, so a crowd of one-time buyers costs memory for about a second each.
/// (The framework's partitioned limiter walked every buyer's limiter ten times a second under a lock and kept
/// each for ten seconds: at ~10k new buyers a second that was the claim endpoint's largest single cost.)
/// </summary>
public sealed class TokenBuckets<TKey> : IDisposable where TKey : notnull
{
    public static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(1);
    private const long Dropped = long.MinValue;

    private readonly ConcurrentDictionary<TKey, Bucket> _buckets = new();
    private readonly TimeProvider _clock;
    private readonly long _interval;
    private readonly long _tolerance;
    private readonly ITimer _sweeper;

    public TokenBuckets(int burst, int perSecond, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perSecond, 1);
        _clock = clock;
        _interval = clock.TimestampFrequency / perSecond;
        _tolerance = (burst - 1) * _interval;
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
            var bucket = _buckets.GetOrAdd(key, static (_, now) => new Bucket(now), now);
            var seen = Volatile.Read(ref bucket.Due);
            while (seen != Dropped)
            {
                var due = Math.Max(seen, now);
                // More than burst - 1 intervals ahead of now means no token is left.
                if (due - now > _tolerance) return false;
                var prior = Interlocked.CompareExchange(ref bucket.Due, due + _interval, seen);
                if (prior == seen) return true;
                seen = prior;
            }
            // The sweep dropped this bucket after we found it: it was full, so a new one is the same.
        }
    }

    private void Sweep()
    {
        var now = _clock.GetTimestamp();
        foreach (var (key, bucket) in _buckets)
        {
            var seen = Volatile.Read(ref bucket.Due);
            if (seen != Dropped && seen <= now && Interlocked.CompareExchange(ref bucket.Due, Dropped, seen) == seen)
                _buckets.TryRemove(KeyValuePair.Create(key, bucket));
        }
    }

    public void Dispose() => _sweeper.Dispose();

    private sealed class Bucket(long due)
    {
        /// <summary>When the bucket is full again; a token is left while this is at most burst - 1 intervals ahead.</summary>
        public long Due = due;
    }
}
