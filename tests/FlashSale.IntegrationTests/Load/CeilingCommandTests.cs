using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Load.Ceiling;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Load;

/// <summary><c>FlashSale.Load ceiling</c>: the generator alone against a trivial endpoint, in both models; figures, never speeds, asserted.</summary>
[Collection(ServiceCollection.Name)]
public sealed class CeilingCommandTests(ServiceFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task The_ceiling_counts_answers_and_the_CPU_they_took_in_the_closed_and_the_open_model()
    {
        var url = new Uri(app.Admin.Http.BaseAddress!, "healthz");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var closed = await CeilingCommand.RunAsync(url, TimeSpan.FromSeconds(1), concurrency: 4, rate: null, connections: 4, timeout.Token);
        var open = await CeilingCommand.RunAsync(url, TimeSpan.FromSeconds(1), concurrency: 4, rate: 200, connections: 4, timeout.Token);
        output.WriteLine($"{closed}\n{open}");

        Assert.Equal("closed", closed.Model);
        Assert.True(closed.Requests > 0 && closed.Errors == 0, $"{closed.Requests} answers, {closed.Errors} errors");
        Assert.True(closed.CpuMicrosPerRequest > 0);
        Assert.Equal("open at 200/s", open.Model);
        Assert.Equal(0, open.Errors);
        // The plan sends 200 a second: about 200 in the measured second, whatever the machine (the end is cut at the deadline).
        Assert.InRange(open.Requests, 100, 260);
    }
}
