using System.Security.Cryptography;
using System.Text;
using FlashSale.Load.Cli;
using FlashSale.Load.Fairness;

namespace FlashSale.IntegrationTests.Load;

/// <summary>
/// The load tool's fairness rules that need no server: the order check of <c>verify</c> against orders made here from
/// the contract's words, tampered ones included; Spearman's ρ; the fairness audit on crowds fair and unfair.
/// </summary>
public sealed class FairnessCheckTests
{
    private static readonly byte[] Seed = Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray();
    private static readonly string Commitment = Convert.ToHexStringLower(SHA256.HashData(Seed));
    private static readonly string SeedHex = Convert.ToHexStringLower(Seed);
    private static readonly string[] Tickets = Enumerable.Range(0, 50).Select(i => $"tkt_{i:D4}ä").ToArray();

    /// <summary>The contract's rule, written out again here: hex SHA-256(seed bytes ‖ UTF-8 ticketId), ascending.</summary>
    private static List<string> ContractOrder(byte[] seed) => Tickets
        .OrderBy(t => Convert.ToHexStringLower(SHA256.HashData(seed.Concat(Encoding.UTF8.GetBytes(t)).ToArray())), StringComparer.Ordinal).ToList();

    [Fact]
    public void The_order_the_seed_gives_verifies()
    {
        var check = FairOrderCheck.Verify(Commitment, SeedHex, ContractOrder(Seed));
        Assert.True(check.Passed, string.Join("; ", check.Problems));
        Assert.Equal((true, true, true, 50, 0), (check.SeedRevealed, check.CommitmentMatches, check.OrderMatches, check.Served, check.Mismatched));
        Assert.Equal(ContractOrder(Seed), FairOrderCheck.Order(Seed, Tickets.Reverse()));
    }

    [Fact]
    public void Two_tickets_swapped_fail_at_the_first_swapped_position()
    {
        var served = ContractOrder(Seed);
        (served[10], served[30]) = (served[30], served[10]);
        var check = FairOrderCheck.Verify(Commitment, SeedHex, served);
        Assert.False(check.Passed);
        Assert.Equal((true, false, 2, 11), (check.CommitmentMatches, check.OrderMatches, check.Mismatched, check.FirstMismatch));
        Assert.Contains(check.Problems, p => p.StartsWith("2 of 50 positions differ", StringComparison.Ordinal));
    }

    [Fact]
    public void An_order_made_with_another_seed_fails_and_so_does_a_seed_that_is_not_the_committed_one()
    {
        var other = Seed.Select(b => (byte)(b ^ 1)).ToArray();
        var check = FairOrderCheck.Verify(Commitment, SeedHex, ContractOrder(other));
        Assert.False(check.OrderMatches);
        Assert.True(check.Mismatched > 40, $"{check.Mismatched} positions differ");

        // The other seed's own order, shown with the first seed's commitment: the order holds, the commitment does not.
        var swapped = FairOrderCheck.Verify(Commitment, Convert.ToHexStringLower(other), ContractOrder(other));
        Assert.Equal((false, false, true), (swapped.Passed, swapped.CommitmentMatches, swapped.OrderMatches));
        Assert.Contains(swapped.Problems, p => p.StartsWith("commitment ", StringComparison.Ordinal));
    }

    [Fact]
    public void Before_the_seed_is_revealed_nothing_verifies()
    {
        var check = FairOrderCheck.Verify(Commitment, null, []);
        Assert.Equal((false, false), (check.Passed, check.SeedRevealed));
        Assert.Contains("not revealed yet", check.Problems.Single());
    }

    [Fact]
    public void A_ticket_listed_twice_fails_even_where_the_sort_would_hold()
    {
        var served = ContractOrder(Seed);
        served.Insert(5, served[5]);
        var check = FairOrderCheck.Verify(Commitment, SeedHex, served);
        Assert.False(check.Passed);
        Assert.Contains(check.Problems, p => p.Contains("listed more than once"));
    }

    [Fact]
    public void Spearman_rho_is_one_for_the_same_order_minus_one_reversed_and_averages_ties()
    {
        double[] x = [1, 2, 3, 4, 5];
        Assert.Equal(1, Spearman.Rho(x, [10, 20, 30, 40, 50])!.Value, 12);
        Assert.Equal(-1, Spearman.Rho(x, [5, 4, 3, 2, 1])!.Value, 12);
        Assert.Equal([1.5, 1.5, 3, 4.5, 4.5], Spearman.Ranks([7, 7, 8, 9, 9]));
        // Pearson of the ranks (1..5) and (1.5, 1.5, 3.5, 3.5, 5) worked by hand: Σdxdy 9 / √(Σdx² 10 × Σdy² 9) = 0.9487...
        Assert.Equal(9 / Math.Sqrt(90), Spearman.Rho(x, [0, 0, 1, 1, 2])!.Value, 12);
        Assert.Null(Spearman.Rho(x, [1, 1, 1, 1, 1]));
        Assert.Equal(0.04, Spearman.Bound(10_000), 12);
    }

    /// <summary>A crowd of <paramref name="n"/> whose arrivals are a random permutation of the order, the first <paramref name="stock"/> winning.</summary>
    private static (List<string> Served, List<QueuedBuyer?> Buyers) FairCrowd(int n, int stock, int seed = 1)
    {
        var served = Enumerable.Range(0, n).Select(i => $"t{i}").ToList();
        var arrivals = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(arrivals);
        var buyers = served.Select((t, rank) => (QueuedBuyer?)new QueuedBuyer(t, arrivals[rank], rank < stock + 3, rank < stock, rank < stock)).ToList();
        return (served, buyers);
    }

    private static OrderCheck Verified(int n) => new(true, true, true, n, 0, null, []);

    [Fact]
    public void A_fair_crowd_passes_the_fairness_audit()
    {
        var (served, buyers) = FairCrowd(2000, 100);
        var report = FairnessAudit.Judge(Verified(2000), served, buyers, stock: 100, unitsCameBack: false);
        Assert.True(report.Result.Passed, string.Join("; ", report.Result.Broken));
        Assert.Equal((7, 27, 100, 100, 0, 0, 0), (report.Result.Number, report.Result.ExitCode, report.Winners, report.Expected, report.WinnersOutside, report.FrontNotWinning, report.AdmittedOutOfOrder));
        Assert.InRange(Math.Abs(report.RhoRank!.Value), 0, report.Bound);
    }

    [Fact]
    public void A_winner_from_further_back_breaks_it_with_both_sides_counted()
    {
        var (served, buyers) = FairCrowd(200, 20);
        buyers[5] = buyers[5]! with { Won = false, Paid = false };
        buyers[21] = buyers[21]! with { Won = true, Paid = true };
        var report = FairnessAudit.Judge(Verified(200), served, buyers, stock: 20, unitsCameBack: false);
        Assert.False(report.Result.Passed);
        Assert.Equal((1, 1, 1), (report.WinnersOutside, report.FrontNotWinning, report.PaidOutside));
        Assert.Contains(report.Result.Broken, b => b.StartsWith("the winners are exactly the first 20 tickets", StringComparison.Ordinal));
    }

    [Fact]
    public void First_come_first_served_breaks_the_rank_correlation_bound()
    {
        var served = Enumerable.Range(0, 400).Select(i => $"t{i}").ToList();
        // Arrival order is the queue order: the fastest clickers win, what the shuffle exists to prevent.
        var buyers = served.Select((t, rank) => (QueuedBuyer?)new QueuedBuyer(t, rank, rank < 40, rank < 40, rank < 40)).ToList();
        var report = FairnessAudit.Judge(Verified(400), served, buyers, stock: 40, unitsCameBack: false);
        Assert.Equal(1, report.RhoRank!.Value, 12);
        Assert.True(report.RhoWon < -report.Bound, $"ρ won {report.RhoWon}");
        Assert.Equal(2, report.Result.Broken.Count(b => b.Contains("uncorrelated")));
    }

    [Fact]
    public void A_ticket_admitted_past_a_waiting_one_a_late_joiner_and_a_bad_order_each_break_it()
    {
        var (served, buyers) = FairCrowd(100, 10);
        buyers[3] = buyers[3]! with { Admitted = false, Won = false, Paid = false };
        var skipped = FairnessAudit.Judge(Verified(100), served, buyers, stock: 10, unitsCameBack: true);
        Assert.Equal(1, skipped.AdmittedOutOfOrder);
        Assert.Contains(skipped.Result.Broken, b => b.StartsWith("tickets were admitted in queue order", StringComparison.Ordinal));

        (served, buyers) = FairCrowd(100, 10);
        buyers.Add(new QueuedBuyer("joined-after-the-start", 1000, false, false, false));
        var late = FairnessAudit.Judge(Verified(100), served, buyers, stock: 10, unitsCameBack: false);
        Assert.Contains(late.Result.Broken, b => b.StartsWith("every ticket is in the pre-queue's order", StringComparison.Ordinal));

        var tampered = FairnessAudit.Judge(new OrderCheck(true, false, true, 100, 0, null, ["commitment x ≠ SHA-256(seed) y"]), served, buyers.Take(100).ToList(), stock: 10, unitsCameBack: false);
        Assert.Equal(ExitCodes.FairnessBroken, tampered.Result.ExitCode);
        Assert.Single(tampered.Result.Broken);
    }

    [Fact]
    public void Waiting_room_flags_parse_with_their_defaults_and_refuse_what_cannot_work()
    {
        var (o, error) = RehearsalCommand.Parse(["--waiting-room", "--users", "100", "--outflow", "30", "--start-lead", "5s"]);
        Assert.True(o is not null, error);
        Assert.Equal((true, 30, 120, TimeSpan.FromSeconds(5), 0.0), (o.WaitingRoom, o.OutflowPerMinute, o.TokenSeconds, o.StartLead, o.DeclineShare));
        Assert.Equal(0.05, RehearsalCommand.Parse(["--waiting-room", "--decline-share", "0.05"]).Options!.DeclineShare);
        Assert.Null(RehearsalCommand.Parse(["--waiting-room", "--sale", "sale_x"]).Options);
        Assert.Null(RehearsalCommand.Parse(["--waiting-room", "--scenario", "steady"]).Options);
        Assert.Null(RehearsalCommand.Parse(["--waiting-room", "--arrival-window", "5m", "--prequeue-minutes", "1"]).Options);
        Assert.Null(RehearsalCommand.Parse(["--waiting-room=maybe"]).Options);

        Assert.Equal("sale_1", VerifyCommand.Parse(["--sale", "sale_1", "--url", "http://h:1"]).Options!.SaleId);
        Assert.Null(VerifyCommand.Parse(["--url", "http://h:1"]).Options);
        Assert.Null(VerifyCommand.Parse(["--sale", "s", "--users", "5"]).Options);
    }
}
