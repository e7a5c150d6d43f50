using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Confluent.Kafka;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Pool;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Claims;

/// <summary>The race scenario with the winners' queue on Kafka: admit in Redis, relay to Kafka, confirm from Kafka.</summary>
[Collection(KafkaServiceCollection.Name)]
public sealed class KafkaClaimRaceTests(KafkaServiceFixture app, ITestOutputHelper output)
{
    private const int Stock = 100;
    private const int Users = 2500;

    [Fact]
    public async Task Five_thousand_concurrent_claims_on_the_Kafka_transport_pay_exactly_the_stock_once_per_user()
    {
        var live = await app.Admin.LiveSaleAsync(Stock);
        var attempts = Enumerable.Range(0, Users).Select(i => $"kafka-race-{i}").SelectMany(u => new[] { u, u })
            .OrderBy(_ => Random.Shared.Next()).ToArray();

        var clock = Stopwatch.StartNew();
        var start = new TaskCompletionSource();
        var requests = attempts.Select(async user =>
        {
            await start.Task;
            var response = await app.Storefront.ClaimAsync(live.SaleId, user);
            var claimId = response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK
                ? (await response.Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!.ClaimId : null;
            return (user, response.StatusCode, claimId);
        }).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(requests);
        output.WriteLine($"{results.Length} requests in {clock.ElapsedMilliseconds} ms");

        var admitted = results.Where(r => r.StatusCode == HttpStatusCode.Accepted).ToList();
        Assert.Equal(Stock, admitted.Count);
        Assert.Equal(Stock, admitted.Select(r => r.user).Distinct().Count());
        Assert.All(results, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.OK, HttpStatusCode.Conflict }));
        foreach (var pair in results.Where(r => r.claimId is not null).GroupBy(r => r.user))
            Assert.Single(pair.Select(r => r.claimId).Distinct());

        await Eventually.True(async () => (await app.Admin.GetSaleAsync(live.SaleId)).Counts!.Paid == Stock,
            TimeSpan.FromSeconds(90), "every admitted claim is paid through Kafka");
        output.WriteLine($"all {Stock} paid {clock.ElapsedMilliseconds} ms after the first request");

        var ledger = await app.Audit.AssertSettledAsync(live.SaleId);
        Assert.Equal((Stock, Stock, 0), (ledger.Claims.Count, ledger.Sold, ledger.RedisRemaining));
        Assert.All(ledger.Charges, c => Assert.Equal("succeeded", c.Outcome));
        // The claims travelled through the relay: nothing is left in the sale's Redis stream.
        await Eventually.True(async () => await app.Redis.StreamLengthAsync(new FlashSale.Service.Pool.SaleKeys(live.SaleId).Queue) == 0,
            TimeSpan.FromSeconds(30), "the relay acknowledged every entry it wrote to Kafka");
        Assert.True(MessagesOnTopic() >= Stock, "the winners went through the Kafka topic");
    }

    private long MessagesOnTopic()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = app.Cluster.BootstrapServers }).Build();
        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = app.Cluster.BootstrapServers, GroupId = "probe" }).Build();
        var topic = admin.GetMetadata(app.Topic, TimeSpan.FromSeconds(10)).Topics.Single();
        return topic.Partitions.Sum(p => probe.QueryWatermarkOffsets(new TopicPartition(app.Topic, p.PartitionId), TimeSpan.FromSeconds(10)).High.Value);
    }

    [Fact]
    public async Task Readiness_reports_the_Kafka_queue_up()
    {
        var response = await app.Admin.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"queue\":\"up\"", await response.Content.ReadAsStringAsync());
    }
}
