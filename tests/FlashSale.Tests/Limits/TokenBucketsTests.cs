using FlashSale.Service.Limits;

namespace FlashSale.Tests.Limits;

/// <summary>The claim limits' buckets: burst, refill from the clock, one bucket per key, idle buckets dropped.</summary>
public sealed class TokenBucketsTests
{
    [Fact]
    public void A_key_gets_its_burst_then_one_token_per_refill_interval_and_other_keys_are_not_touched()
    {
        var clock = new ManualClock();
        using var buckets = new TokenBuckets<string>(burst: 3, perSecond: 2, clock);

        Assert.Equal([true, true, true, false], Enumerable.Range(0, 4).Select(_ => buckets.TryTake("a")).ToArray());
        Assert.True(buckets.TryTake("b"));

        clock.Advance(TimeSpan.FromMilliseconds(400)); // 0.8 of a token
        Assert.False(buckets.TryTake("a"));
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(buckets.TryTake("a"));
        Assert.False(buckets.TryTake("a"));

        clock.Advance(TimeSpan.FromSeconds(60)); // refills to the burst, never beyond
        Assert.Equal([true, true, true, false], Enumerable.Range(0, 4).Select(_ => buckets.TryTake("a")).ToArray());
    }

    [Fact]
    public void The_sweep_drops_buckets_that_filled_up_again_and_keeps_the_others()
    {
        var clock = new ManualClock();
        using var buckets = new TokenBuckets<string>(burst: 2, perSecond: 1, clock);
        buckets.TryTake("one-time buyer");
        buckets.TryTake("hammer");
        buckets.TryTake("hammer");
        Assert.Equal(2, buckets.Count);

        clock.Advance(TimeSpan.FromSeconds(1)); // the buyer is full again, the hammer has one of two tokens
        clock.FireTimers();
        Assert.Equal(1, buckets.Count);
        Assert.True(buckets.TryTake("hammer"));
        Assert.False(buckets.TryTake("hammer")); // kept its state: not a fresh, full bucket

        clock.Advance(TimeSpan.FromSeconds(5));
        clock.FireTimers();
        Assert.Equal(0, buckets.Count);
        Assert.True(buckets.TryTake("one-time buyer"));
    }

    [Fact]
    public async Task Concurrent_takers_on_one_key_get_exactly_the_burst_while_sweeps_run()
    {
        var clock = new ManualClock();
        using var buckets = new TokenBuckets<string>(burst: 1000, perSecond: 1, clock);
        buckets.TryTake("other");
        var sweeping = true;
        var sweeper = Task.Run(() => { while (Volatile.Read(ref sweeping)) clock.FireTimers(); });

        var granted = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            Enumerable.Range(0, 5000).Count(_ => buckets.TryTake("crowd")))));
        Volatile.Write(ref sweeping, false);
        await sweeper;

        Assert.Equal(1000, granted.Sum());
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
