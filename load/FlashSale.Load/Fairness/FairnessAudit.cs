using FlashSale.Load.Verdict;

namespace FlashSale.Load.Fairness;

/// <summary>One pre-queue buyer as the fairness audit sees them.</summary>
/// <param name="ArrivedAt">When the service answered their join (any monotonic clock): their arrival.</param>
/// <param name="Won">Their claim was answered 202.</param>
/// <param name="Paid">That claim ended paid.</param>
public sealed record QueuedBuyer(string TicketId, long ArrivedAt, bool Admitted, bool Won, bool Paid);

/// <summary>The fairness figures of a rehearsal, and invariant 7 judged on them.</summary>
/// <param name="Expected">How many tickets from the front should have won: the stock, or every winner when units came back.</param>
/// <param name="WinnersOutside">Winners who are not among the first <paramref name="Expected"/> tickets of the order.</param>
/// <param name="FrontNotWinning">Tickets among the first <paramref name="Expected"/> that did not win.</param>
public sealed record FairnessReport(
    OrderCheck Order, int Buyers, int InOrder, int Winners, int Expected, int WinnersOutside, int FrontNotWinning, int PaidOutside,
    int AdmittedOutOfOrder, double? RhoRank, double? RhoWon, double Bound, InvariantResult Result);

/// <summary>
/// Invariant 7 as a rehearsal can check it: the order the service served is the published shuffle (verified from the
/// seed), every buyer of the crowd is in it (all joined before the start), tickets were admitted as a prefix of it,
/// and, every admitted buyer claiming at once, the winners are exactly its first tickets. And since the shuffle must
/// not care when anyone came, arrival order and place in the order (and winning) are uncorrelated.
/// </summary>
public static class FairnessAudit
{
    public const int Number = 7;

    /// <param name="buyers">Every buyer of the crowd; a null ticket for one whose join failed.</param>
    /// <param name="unitsCameBack">Units went back on sale (declines, released or expired holds): later tickets won them.</param>
    /// <param name="stoppedEarly">
    /// The crowd was stopped (Ctrl-C, <c>:abort</c>): <paramref name="buyers"/> are those whose join went out, and the buyers
    /// who left stopped polling and claiming, so only what their leaving cannot change is judged: the order (once revealed),
    /// the tickets in it, no winner from behind the stock's tickets, and the correlations.
    /// </param>
    public static FairnessReport Judge(OrderCheck order, IReadOnlyList<string> served, IReadOnlyList<QueuedBuyer?> buyers, int stock, bool unitsCameBack,
        bool stoppedEarly = false)
    {
        var check = new List<string>();
        var broken = new List<string>();
        if (stoppedEarly && !order.SeedRevealed)
        {
            // Stopped before the start: the shuffle is not published yet, so nothing of the order can be checked, and
            // without tokens no claim was made.
            var joinedBefore = buyers.Count(b => b is not null);
            Require(true, "the crowd was stopped before the sale's start: the seed is not revealed yet, so the order is not judged (verify it from the start)");
            Require(joinedBefore == buyers.Count, $"every buyer whose join went out joined ({joinedBefore:N0} of {buyers.Count:N0})");
            Require(buyers.All(b => b is not { Won: true }), "no claim won before the start");
            var none = new InvariantResult(Number, "fair_start", "the pre-queue's order is the published shuffle; the first tickets of it win", check, broken);
            return new FairnessReport(order, buyers.Count, 0, 0, 0, 0, 0, 0, 0, null, null, Spearman.Bound(Math.Max(buyers.Count, 1)), none);
        }
        Require(order.Passed, order.Passed
            ? $"the served order ({served.Count:N0} tickets) is the one the revealed seed gives, and the commitment is SHA-256 of the seed"
            : "the served order is the one the revealed seed gives: " + string.Join("; ", order.Problems));

        var rank = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < served.Count; i++) rank.TryAdd(served[i], i);
        var joined = buyers.Where(b => b is not null).Select(b => b!).ToList();
        var queued = joined.Where(b => rank.ContainsKey(b.TicketId)).OrderBy(b => rank[b.TicketId]).ToList();
        var strangers = served.Count - queued.Count;
        Require(joined.Count == buyers.Count, stoppedEarly
            ? $"every buyer whose join went out before the crowd was stopped joined ({joined.Count:N0} of {buyers.Count:N0})"
            : $"every buyer joined ({joined.Count:N0} of {buyers.Count:N0})");
        Require(queued.Count == joined.Count, $"every ticket is in the pre-queue's order, so joined before the start ({joined.Count - queued.Count:N0} missing)");
        Require(strangers == 0, $"the order lists only the crowd's tickets ({strangers:N0} others)");

        // Admission in queue order: no ticket seen admitted behind one that never was.
        var lastAdmitted = queued.FindLastIndex(b => b.Admitted);
        var outOfOrder = queued.Take(lastAdmitted + 1).Count(b => !b.Admitted);
        // A buyer who left stops polling, so never sees their admission: the order of admissions is only seen whole when nobody left.
        if (!stoppedEarly)
            Require(outOfOrder == 0, $"tickets were admitted in queue order ({queued.Count(b => b.Admitted):N0} admitted; {outOfOrder:N0} ahead of the last admitted never were)");

        var winners = queued.Count(b => b.Won);
        var expected = Math.Min(unitsCameBack ? winners : stock, queued.Count);
        var outside = queued.Skip(expected).Count(b => b.Won);
        var frontLost = queued.Take(expected).Count(b => !b.Won);
        if (stoppedEarly)
        {
            // The first tickets' buyers may have left before claiming, and a unit given back may go further back.
            if (!unitsCameBack)
                Require(outside == 0, $"the crowd was stopped: no winner from behind the first {expected:N0} tickets of the order (the stock): " +
                                      $"{winners:N0} won, {outside:N0} of them from further back");
        }
        else Require(outside == 0 && frontLost == 0,
            $"the winners are exactly the first {expected:N0} tickets of the order{(unitsCameBack ? " (units came back, so as many as won)" : " (the stock)")}: " +
            $"{winners:N0} won, {outside:N0} of them from further back, {frontLost:N0} of the first {expected:N0} did not win " +
            $"({queued.Count(b => b.Admitted):N0} tickets admitted: a ticket let in while earlier ones have yet to claim races them)");
        var paidOutside = unitsCameBack ? 0 : queued.Skip(expected).Count(b => b.Paid);
        if (!unitsCameBack && !stoppedEarly)
            Require(paidOutside == 0 && queued.Take(expected).All(b => b.Paid),
                $"the paid claims are the first {expected:N0} tickets' ({queued.Count(b => b.Paid):N0} paid, {paidOutside:N0} from further back)");

        var arrival = queued.Select(b => (double)b.ArrivedAt).ToList();
        var rhoRank = Spearman.Rho(arrival, queued.Select((_, i) => (double)i).ToList());
        var rhoWon = Spearman.Rho(arrival, queued.Select(b => b.Won ? 1.0 : 0.0).ToList());
        var bound = Spearman.Bound(Math.Max(queued.Count, 1));
        Require(rhoRank is null || Math.Abs(rhoRank.Value) < bound,
            $"arrival order and place in the order are uncorrelated: Spearman ρ {Format(rhoRank)}, |ρ| < 4/√n = {bound:0.0000} (n {queued.Count:N0})");
        Require(rhoWon is null || Math.Abs(rhoWon.Value) < bound,
            $"arrival order and winning are uncorrelated: Spearman ρ {Format(rhoWon)}, |ρ| < {bound:0.0000}");

        var result = new InvariantResult(Number, "fair_start", "the pre-queue's order is the published shuffle; the first tickets of it win", check, broken);
        return new FairnessReport(order, buyers.Count, queued.Count, winners, expected, outside, frontLost, paidOutside, outOfOrder, rhoRank, rhoWon, bound, result);

        void Require(bool holds, string rule)
        {
            check.Add(rule);
            if (!holds) broken.Add(rule);
        }
    }

    public static string Format(double? rho) => rho is { } r ? r.ToString("+0.0000;-0.0000;0.0000") : "n/a (one side constant)";
}
