using FlashSale.Service.Limits;

namespace FlashSale.Tests.Limits;

/// <summary>The claim limits' buckets: burst, refill from the clock, one bucket per key, idle buckets dropped.</summary>
public sealed class TokenBucketsTests
{
    private const ulong A = 1, B = 2, OneTimeBuyer = 3, Hammer = 4, Other = 5;
    private const ulong Crowd = 0xF000_0000_0000_0001; // another stripe than the others

    [Fact]
    public void A_key_gets_its_burst_then_one_token_per_refill_interval_and_other_keys_are_not_touched()
    {
        var clock = new ManualClock();
        using var buckets = new TokenBuckets(burst: 3, perSecond: 2, clock);

        Assert.Equal([true, true, true, false], Enumerable.Range(0, 4).Select(_ => buckets.TryTake(A)).ToArray());
        Assert.True(buckets.TryTake(B));

        clock.Advance(TimeSpan.FromMilliseconds(400)); // 0.8 of a token
        Assert.False(buckets.TryTake(A));
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(buckets.TryTake(A));
        Assert.False(buckets.TryTake(A));

        clock.Advance(TimeSpan.FromSeconds(60)); // refills to the burst, never beyond
        Assert.Equal([true, true, true, false], Enumerable.Range(0, 4).Select(_ => buckets.TryTake(A)).ToArray());
    }

    [Fact]
    public void The_sweep_drops_buckets_that_filled_up_again_and_keeps_the_others()
    {
        var clock = new ManualClock();
        using var buckets = new TokenBuckets(burst: 2, perSecond: 1, clock);
        buckets.TryTake(OneTimeBuyer);
        buckets.TryTake(Hammer);
        buckets.TryTake(Hammer);
        Assert.Equal(2, buckets.Count);

        clock.Advance(TimeSpan.FromSeconds(1)); // the buyer is full again, the hammer has one of two tokens
        clock.FireTimers();
        Assert.Equal(1, buckets.Count);
        Assert.True(buckets.TryTake(Hammer));
        Assert.False(buckets.TryTake(Hammer)); // kept its state: not a fresh, full bucket

        clock.Advance(TimeSpan.FromSeconds(5));
        clock.FireTimers();
        Assert.Equal(0, buckets.Count);
        Assert.True(buckets.TryTake(OneTimeBuyer));
    }

    [Fact]
    public async Task Concurrent_takers_on_one_key_get_exactly_the_burst_while_sweeps_run()
    {
        var clock = new ManualClock();
        using var buckets = new TokenBuckets(burst: 1000, perSecond: 1, clock);
        buckets.TryTake(Other);
        var sweeping = true;
        var sweeper = Task.Run(() => { while (Volatile.Read(ref sweeping)) clock.FireTimers(); });

        var granted = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            Enumerable.Range(0, 5000).Count(_ => buckets.TryTake(Crowd)))));
        Volatile.Write(ref sweeping, false);
        await sweeper;

        Assert.Equal(1000, granted.Sum());
    }

    [Fact]
    public void Buckets_are_dropped_and_made_again_without_losing_track_of_busy_keys()
    {
        var clock = new ManualClock();
        using var buckets = new TokenBuckets(burst: 1, perSecond: 1, clock);
        // Many short-lived keys across all stripes, swept away round after round while one key stays busy.
        for (var round = 0; round < 5; round++)
        {
            for (ulong key = 0; key < 10_000; key++) Assert.True(buckets.TryTake(key * 0x9E3779B97F4A7C15UL + 100));
            Assert.False(buckets.TryTake(100)); // the first of the round is empty now
            clock.Advance(TimeSpan.FromSeconds(2));
            clock.FireTimers();
            Assert.Equal(0, buckets.Count);
        }
    }

    /// <summary>A clock that moves only when told, and timers that fire only when told.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private readonly List<(TimerCallback Callback, object? State)> _timers = [];
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void Advance(TimeSpan by) => _ticks += by.Ticks;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _timers.Add((callback, state));
            return new NeverFires();
        }

        public void FireTimers()
        {
            foreach (var (callback, state) in _timers) callback(state);
        }

        private sealed class NeverFires : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;
            public void Dispose() { }
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
