using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Load.Cli;
using FlashSale.Load.Traffic;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Load;

/// <summary><c>--users-file</c>: the crowd's buyers and their cards from a CSV data feed.</summary>
[Collection(ServiceCollection.Name)]
public sealed class UsersFileTests(ServiceFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task The_crowd_is_the_files_buyers_paying_with_the_files_cards()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var path = Path.Combine(Path.GetTempPath(), $"flashsale-users-{run}.csv");
        // 50 buyers; every fifth pays with a declining card, the others name none (the run's draw: --decline-share 0).
        await File.WriteAllLinesAsync(path, Enumerable.Range(0, 50)
            .Select(i => $"feed-{run}-{i},{(i % 5 == 0 ? "pm_card_chargeDeclined" : "")}").Prepend("userId,paymentMethodId"));

        var (result, _) = await RehearsalRun.RunAsync(app, output,
            "--users-file", path, "--users", "5000", "--stock", "100", "--arrival-window", "300ms", "--decline-share", "0",
            "--double-click-share", "0", "--settle", "45s", "--threshold", "errors<1%");

        Assert.True(result.ExitCode == ExitCodes.Passed, result.Verdict);
        Assert.Equal(50, result.Figures!.Sent); // the file's 50, not --users
        Assert.Equal(40, result.Audit!.Counts!.Paid);
        Assert.Equal(10, result.Audit.FinalStatuses.GetValueOrDefault("payment_failed"));
    }

    [Fact]
    public async Task A_users_file_without_a_userId_column_or_with_a_repeated_user_is_refused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"flashsale-users-{Guid.NewGuid():N}.csv");
        await File.WriteAllLinesAsync(path, ["user,card", "a,pm_card_visa"]);
        Assert.Throws<FormatException>(() => UserFeed.Load(path));
        await File.WriteAllLinesAsync(path, ["userId", "a", "b", "a"]);
        Assert.Contains("appears twice", Assert.Throws<FormatException>(() => UserFeed.Load(path)).Message);
        await File.WriteAllLinesAsync(path, ["userId", "a", "b"]);
        Assert.Equal(2, UserFeed.Load(path).Count);

        var (result, _) = await RehearsalRun.RunAsync(app, output, "--users-file", path + ".missing");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
    }
}
