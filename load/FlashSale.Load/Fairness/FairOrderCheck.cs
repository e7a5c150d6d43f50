using System.Security.Cryptography;
using System.Text;

namespace FlashSale.Load.Fairness;

/// <summary>What <see cref="FairOrderCheck.Verify"/> found: every problem, plainly worded; none means verified.</summary>
/// <param name="Mismatched">Positions of the served order holding another ticket than the rule puts there.</param>
/// <param name="FirstMismatch">The first such position, from 1.</param>
public sealed record OrderCheck(
    bool SeedRevealed, bool CommitmentMatches, bool OrderMatches, int Served, int Mismatched, int? FirstMismatch, IReadOnlyList<string> Problems)
{
    public bool Passed => Problems.Count == 0;
}

/// <summary>
/// The contract's shuffle, recomputed from nothing but what the service publishes: the commitment is hex SHA-256 of
/// the seed's bytes, and the pre-queue order is its tickets sorted by hex SHA-256(seed bytes ‖ UTF-8 ticketId),
/// ascending. Written from the contract's words, not from the service's code, so a bug there is not copied here.
/// </summary>
public static class FairOrderCheck
{
    public const int SeedBytes = 32;

    public static string Commitment(byte[] seed) => Convert.ToHexStringLower(SHA256.HashData(seed));

    public static string SortKey(byte[] seed, string ticketId) =>
        Convert.ToHexStringLower(SHA256.HashData([.. seed, .. Encoding.UTF8.GetBytes(ticketId)]));

    public static IReadOnlyList<string> Order(byte[] seed, IEnumerable<string> tickets) =>
        tickets.Select(t => (Key: SortKey(seed, t), Ticket: t)).OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => k.Ticket).ToList();

    public static OrderCheck Verify(string? commitment, string? seedHex, IReadOnlyList<string> served)
    {
        var problems = new List<string>();
        if (commitment is null || commitment.Length != 64 || !commitment.All(Uri.IsHexDigit))
            problems.Add($"the commitment is not 64 hex digits ({commitment ?? "none shown"})");
        if (seedHex is null)
        {
            problems.Add("the seed is not revealed yet (it is shown from the sale's start, once the pre-queue is shuffled)");
            return new OrderCheck(false, false, false, served.Count, 0, null, problems);
        }
        byte[] seed;
        try
        {
            seed = Convert.FromHexString(seedHex);
        }
        catch (FormatException)
        {
            problems.Add($"the seed is not hex: {seedHex}");
            return new OrderCheck(true, false, false, served.Count, 0, null, problems);
        }
        if (seed.Length != SeedBytes) problems.Add($"the seed is {seed.Length} bytes, not {SeedBytes}");
        var commitmentMatches = commitment is not null && string.Equals(Commitment(seed), commitment, StringComparison.OrdinalIgnoreCase);
        if (!commitmentMatches) problems.Add($"commitment {commitment} ≠ SHA-256(seed) {Commitment(seed)}");

        var duplicates = served.GroupBy(t => t, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0) problems.Add($"{duplicates.Count} tickets listed more than once, e.g. {string.Join(", ", duplicates.Take(3))}");
        var expected = Order(seed, served);
        var mismatched = 0;
        int? first = null;
        for (var i = 0; i < served.Count; i++)
        {
            if (string.Equals(served[i], expected[i], StringComparison.Ordinal)) continue;
            mismatched++;
            first ??= i + 1;
        }
        if (mismatched > 0)
            problems.Add($"{mismatched} of {served.Count} positions differ from the order the seed gives, the first at position {first} " +
                         $"(served {served[first!.Value - 1]}, expected {expected[first.Value - 1]})");
        return new OrderCheck(true, commitmentMatches, mismatched == 0 && duplicates.Count == 0, served.Count, mismatched, first, problems);
    }
}
