using System.Runtime.InteropServices;

namespace FlashSale.Service.Limits;

/// <summary>
/// One token bucket per key (burst, tokens per second), kept as the generic cell rate algorithm does: a single
/// "theoretical arrival time" per key, moved forward by one interval per token taken. A bucket whose time has
/// passed is full again and is dropped by a sweep every <see cref="SweepEvery"/>, so a crowd of one-time buyers
/// costs memory for about a second each.
/// <para>
/// Keys are 64-bit hashes and the times live in the entry arrays of striped dictionaries, so a bucket is no
/// object of its own. Objects that live for a second are the garbage collector's worst case: a bucket (and the
/// key strings it held) per buyer, promoted through every generation and then dropped, made every gen0 pause of
/// the claim endpoint long under a crowd of new buyers. Two keys that share a hash share a bucket.
/// </para>
/// </summary>
public sealed class TokenBuckets : IDisposable
{
    public static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(1);
    private const int StripeCount = 32; // a power of two

    private readonly Stripe[] _stripes;
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
        _stripes = new Stripe[StripeCount];
        for (var i = 0; i < _stripes.Length; i++) _stripes[i] = new Stripe();
        _sweeper = clock.CreateTimer(_ => Sweep(), null, SweepEvery, SweepEvery);
    }

    /// <summary>Buckets currently held (full ones are dropped at the next sweep).</summary>
    public int Count => _stripes.Sum(s => { lock (s.Gate) return s.Due.Count; });

    /// <summary>Takes one token from the key's bucket; false when it is empty.</summary>
    public bool TryTake(ulong key)
    {
        var stripe = _stripes[(int)(key >> 59) & (StripeCount - 1)];
        lock (stripe.Gate)
        {
            var now = _clock.GetTimestamp();
            ref var due = ref CollectionsMarshal.GetValueRefOrAddDefault(stripe.Due, key, out var exists);
            var from = exists ? Math.Max(due, now) : now;
            // More than burst - 1 intervals ahead of now means no token is left.
            if (from - now > _tolerance) return false;
            due = from + _interval;
            return true;
        }
    }

    private void Sweep()
    {
        foreach (var stripe in _stripes)
        {
            lock (stripe.Gate)
            {
                var now = _clock.GetTimestamp();
                foreach (var (key, due) in stripe.Due)
                {
                    if (due <= now) stripe.Due.Remove(key);
                }
            }
        }
    }

    public void Dispose() => _sweeper.Dispose();

    private sealed class Stripe
    {
        public readonly Lock Gate = new();

        /// <summary>Per key: when its bucket is full again; a token is left while this is at most burst - 1 intervals ahead.</summary>
        public readonly Dictionary<ulong, long> Due = [];
    }
}
