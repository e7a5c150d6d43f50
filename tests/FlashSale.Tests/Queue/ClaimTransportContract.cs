using System.Diagnostics;
using FlashSale.Core;
using FlashSale.Service.Queue;

namespace FlashSale.Tests.Queue;

/// <summary>
/// What every winners' queue must do for the worker (<see cref="IClaimTransport"/>), whatever carries it.
/// Each transport gets a subclass that says how to publish claims and read dead letters on its backend;
/// every test uses sales of its own. "Crash" here is a consumer disposed without acknowledging.
/// </summary>
public abstract class ClaimTransportContract : IAsyncLifetime
{
    protected const int BatchSize = 10;
    protected const int MaxDeliveries = 2;
    protected static readonly TimeSpan ReclaimAfter = TimeSpan.FromMilliseconds(500);
    protected static readonly TimeSpan Within = TimeSpan.FromSeconds(45);

    private readonly List<IClaimTransport> _consumers = [];
    private readonly HashSet<string> _sales = [];

    protected static QueueOptions QueueOptions(string consumerGroup) => new()
    {
        BatchSize = BatchSize, ReclaimAfter = ReclaimAfter, MaxDeliveries = MaxDeliveries,
        IdlePoll = TimeSpan.FromMilliseconds(10), ConsumerGroup = consumerGroup,
    };

    /// <summary>A new sale whose claims can be published (its queue exists and is read).</summary>
    protected abstract Task<string> PrepareSaleAsync();

    /// <summary>Publishes claims as the service would (the admit script for Redis, the relay for Kafka), in this order.</summary>
    protected abstract Task PublishAsync(IReadOnlyList<ClaimMessage> claims);

    /// <summary>Publishes an entry of the sale that no reader can turn into a claim.</summary>
    protected abstract Task PublishUnreadableAsync(string saleId);

    /// <summary>A new consumer instance, as a fresh worker process would have.</summary>
    protected abstract IClaimTransport CreateTransport();

    /// <summary>The dead letters of a sale, once at least <paramref name="expected"/> are readable.</summary>
    protected abstract Task<IReadOnlyList<DeadLetter>> ReadDeadLettersAsync(string saleId, int expected);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync()
    {
        foreach (var consumer in _consumers) (consumer as IDisposable)?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Delivers_each_sale_in_queue_order_in_batches_of_one_sale()
    {
        var (a, b) = (await NewSaleAsync(), await NewSaleAsync());
        var claimsA = Claims(a, 25);
        var claimsB = Claims(b, 25);
        await PublishAsync(claimsA.Zip(claimsB).SelectMany(p => new[] { p.First, p.Second }).ToList());

        var consumer = StartConsumer();
        var seen = await ReceiveUntilAsync(consumer, got => Ids(got).Count == 50, ack: _ => true);

        Assert.All(seen.Batches, batch =>
        {
            Assert.InRange(batch.Count, 1, BatchSize);
            Assert.Single(batch.Select(d => d.SaleId).Distinct());
        });
        Assert.Equal(claimsA.Select(c => c.ClaimId), FirstDeliveries(seen, a));
        Assert.Equal(claimsB.Select(c => c.ClaimId), FirstDeliveries(seen, b));
        Assert.All(seen.All, d => Assert.Equal(claimsA.Concat(claimsB).Single(c => c.ClaimId == d.Message!.ClaimId), d.Message));
    }

    [Fact]
    public async Task Hands_out_an_unacknowledged_delivery_again_with_a_higher_count_and_never_an_acknowledged_one()
    {
        var sale = await NewSaleAsync();
        var claims = Claims(sale, 3);
        await PublishAsync(claims);
        var consumer = StartConsumer();
        var left = claims[2].ClaimId;

        var first = await ReceiveUntilAsync(consumer, got => Ids(got).Count == 3, ack: d => d.Message!.ClaimId != left);
        Assert.All(first.All, d => Assert.Equal(1, d.DeliveryCount));
        var again = await ReceiveUntilAsync(consumer, got => got.Any(d => d.Message!.ClaimId == left), ack: _ => true);

        var redelivered = Assert.Single(again.All);
        Assert.Equal(left, redelivered.Message!.ClaimId);
        Assert.Equal(2, redelivered.DeliveryCount);
    }

    [Fact]
    public async Task Redelivers_to_a_new_consumer_what_a_crashed_one_never_acknowledged()
    {
        var sale = await NewSaleAsync();
        var claims = Claims(sale, 5);
        await PublishAsync(claims);

        var crashed = StartConsumer();
        await ReceiveUntilAsync(crashed, got => Ids(got).Count == 5, ack: _ => false);
        Stop(crashed);

        var next = StartConsumer();
        var again = await ReceiveUntilAsync(next, got => Ids(got).Count == 5, ack: _ => true);
        Assert.Equal(claims.Select(c => c.ClaimId).Order(), Ids(again.All).Order());
    }

    [Fact]
    public async Task Loses_nothing_when_the_consumer_dies_in_the_middle_of_a_batch()
    {
        var sale = await NewSaleAsync();
        var claims = Claims(sale, 20);
        await PublishAsync(claims);
        var acknowledged = new HashSet<string>();

        var dying = StartConsumer();
        var partial = await ReceiveUntilAsync(dying, got => got.Count > 0, ack: _ => false);
        var batch = partial.Batches[0];
        // Half the batch is done (committed and acknowledged), then the process dies.
        var done = batch.Take(batch.Count / 2).ToList();
        await dying.AcknowledgeAsync(done, CancellationToken.None);
        acknowledged.UnionWith(Ids(done));
        Stop(dying);

        var next = StartConsumer();
        var rest = await ReceiveUntilAsync(next, got => acknowledged.Union(Ids(got)).Count() == 20, ack: _ => true);
        Assert.Equal(claims.Select(c => c.ClaimId).Order(), acknowledged.Union(Ids(rest.All)).Order());
        Assert.Subset(Ids(rest.All).ToHashSet(), batch.Skip(done.Count).Select(d => d.Message!.ClaimId).ToHashSet());
    }

    [Fact]
    public async Task Dead_letters_what_fails_more_than_MaxDeliveries_times_and_what_cannot_be_read()
    {
        var sale = await NewSaleAsync();
        var claims = Claims(sale, 2);
        var failing = claims[0].ClaimId;
        await PublishAsync([claims[0]]);
        await PublishUnreadableAsync(sale);
        await PublishAsync([claims[1]]);
        var consumer = StartConsumer();
        var deadLettered = new List<ClaimDelivery>();

        // The worker's rule: unreadable or past MaxDeliveries goes aside; the failing claim is never acknowledged.
        await ReceiveUntilAsync(consumer, _ => deadLettered.Count == 2, ack: d => d.Message?.ClaimId == claims[1].ClaimId,
            onDelivery: async d =>
            {
                if (d.Message is null) await consumer.DeadLetterAsync(d, "unreadable queue entry", CancellationToken.None);
                else if (d.DeliveryCount > MaxDeliveries) await consumer.DeadLetterAsync(d, "still failing", CancellationToken.None);
                else return false;
                deadLettered.Add(d);
                return true;
            });

        var failed = Assert.Single(deadLettered, d => d.Message is not null);
        Assert.Equal((failing, MaxDeliveries + 1L), (failed.Message!.ClaimId, failed.DeliveryCount));
        var letters = await ReadDeadLettersAsync(sale, 2);
        Assert.Equal(2, letters.Count);
        Assert.Contains(letters, l => l.ClaimId == failing && l.Reason == "still failing");
        Assert.Contains(letters, l => l.Reason == "unreadable queue entry");

        // Dead-lettered means acknowledged: neither comes back, while a claim published afterwards does.
        var sentinel = Claims(sale, 1);
        await PublishAsync(sentinel);
        var after = await ReceiveUntilAsync(consumer, got => got.Any(d => d.Message?.ClaimId == sentinel[0].ClaimId),
            ack: _ => true, atLeast: ReclaimAfter * 2);
        Assert.Equal([sentinel[0].ClaimId], after.All.Select(d => d.Message?.ClaimId));
    }

    [Fact]
    public async Task Graceful_shutdown_keeps_acknowledged_work_done_and_hands_the_rest_to_the_next_consumer()
    {
        var sale = await NewSaleAsync();
        var claims = Claims(sale, 10);
        await PublishAsync(claims);

        var first = StartConsumer();
        var seen = await ReceiveUntilAsync(first, got => Ids(got).Count == 10, ack: _ => false);
        var done = seen.All.Where(d => claims.Take(6).Any(c => c.ClaimId == d.Message!.ClaimId)).ToList();
        await first.AcknowledgeAsync(done, CancellationToken.None);
        Stop(first);

        var next = StartConsumer();
        var sentinel = Claims(sale, 1);
        await PublishAsync(sentinel);
        var rest = await ReceiveUntilAsync(next,
            got => Ids(got).IsSupersetOf(claims.Skip(6).Select(c => c.ClaimId).Append(sentinel[0].ClaimId)), ack: _ => true);
        Assert.Equal(claims.Skip(6).Append(sentinel[0]).Select(c => c.ClaimId).Order(), Ids(rest.All).Order());
    }

    [Fact]
    public async Task Reports_healthy_while_its_backend_answers()
    {
        var consumer = StartConsumer();
        Assert.True(await consumer.IsHealthyAsync(CancellationToken.None));
    }

    protected async Task<string> NewSaleAsync()
    {
        var sale = await PrepareSaleAsync();
        _sales.Add(sale);
        return sale;
    }

    protected IClaimTransport StartConsumer()
    {
        var consumer = CreateTransport();
        _consumers.Add(consumer);
        return consumer;
    }

    protected static void Stop(IClaimTransport consumer) => (consumer as IDisposable)?.Dispose();

    protected static List<ClaimMessage> Claims(string saleId, int count) =>
        Enumerable.Range(0, count).Select(i => new ClaimMessage(FlashSale.Core.Ids.NewClaimId(), saleId, $"user-{i}-{Guid.NewGuid():N}", 1 + i % 2,
            "pm_card_visa", DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))).ToList();

    protected static HashSet<string> Ids(IEnumerable<ClaimDelivery> deliveries) =>
        deliveries.Where(d => d.Message is not null).Select(d => d.Message!.ClaimId).ToHashSet();

    private static List<string> FirstDeliveries(Received seen, string saleId) =>
        seen.All.Where(d => d.SaleId == saleId && d.DeliveryCount == 1).Select(d => d.Message!.ClaimId).Distinct().ToList();

    /// <summary>
    /// Polls the consumer like the worker does until <paramref name="until"/> holds for what this test's sales
    /// received (deliveries of other sales are ignored), acknowledging what <paramref name="ack"/> says.
    /// </summary>
    protected async Task<Received> ReceiveUntilAsync(IClaimTransport consumer, Func<IReadOnlyList<ClaimDelivery>, bool> until,
        Func<ClaimDelivery, bool> ack, Func<ClaimDelivery, Task<bool>>? onDelivery = null, TimeSpan? atLeast = null,
        CancellationToken stopWhen = default)
    {
        var clock = Stopwatch.StartNew();
        var received = new Received();
        while ((!until(received.All) || clock.Elapsed < (atLeast ?? TimeSpan.Zero)) && !stopWhen.IsCancellationRequested)
        {
            if (clock.Elapsed > Within)
                throw new TimeoutException($"Not received within {Within.TotalSeconds:0} s; got {received.All.Count} deliveries: " +
                    string.Join(", ", received.All.Select(d => $"{d.Message?.ClaimId ?? "?"}#{d.DeliveryCount}")));
            foreach (var batch in await consumer.ReceiveAsync(BatchSize, CancellationToken.None))
            {
                var ours = batch.Where(d => _sales.Contains(d.SaleId)).ToList();
                if (ours.Count == 0) continue;
                received.Batches.Add(ours);
                received.All.AddRange(ours);
                var handled = new List<ClaimDelivery>();
                foreach (var d in ours)
                    if (onDelivery is null || !await onDelivery(d)) handled.Add(d);
                var acks = handled.Where(ack).ToList();
                if (acks.Count > 0) await consumer.AcknowledgeAsync(acks, CancellationToken.None);
            }
        }
        received.Elapsed = clock.Elapsed;
        return received;
    }

    protected sealed class Received
    {
        public List<IReadOnlyList<ClaimDelivery>> Batches { get; } = [];
        public List<ClaimDelivery> All { get; } = [];
        public TimeSpan Elapsed { get; set; }
    }

    protected sealed record DeadLetter(string? ClaimId, string Reason);
}
