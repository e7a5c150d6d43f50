using System.Collections.Concurrent;
using System.Diagnostics;
using FlashSale.Load.Api;
using FlashSale.Load.Traffic;

namespace FlashSale.Load.Verdict;

/// <summary>What the audit read from the service at the end, and what it concluded.</summary>
public sealed record AuditReport(
    IReadOnlyList<InvariantResult> Invariants, SaleCounts? Counts, int ClaimsPolled, int ClaimsAdmitted,
    IReadOnlyDictionary<string, int> FinalStatuses, double SettledAfterSeconds, bool Exclusive)
{
    /// <summary>Each polled claim's last status (absent: not found).</summary>
    public IReadOnlyDictionary<string, string> StatusOf { get; init; } = new Dictionary<string, string>();

    /// <summary>A run on several sales: each sale's own audit; null on one sale.</summary>
    public IReadOnlyList<(string SaleId, AuditReport Audit)>? PerSale { get; init; }

    /// <summary>
    /// Several sales' audits as the run's: every invariant of every sale (named with its sale), the counts and statuses
    /// summed; one sale's audit is the run's as it is.
    /// </summary>
    public static AuditReport Combine(IReadOnlyList<(string SaleId, AuditReport Audit)> parts) => parts.Count == 1 ? parts[0].Audit : new AuditReport(
        parts.SelectMany(p => p.Audit.Invariants.Select(i => i with { SaleId = p.SaleId })).ToList(),
        SaleCounts.Sum(parts.Select(p => p.Audit.Counts)),
        parts.Sum(p => p.Audit.ClaimsPolled), parts.Sum(p => p.Audit.ClaimsAdmitted),
        parts.SelectMany(p => p.Audit.FinalStatuses).GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Sum(s => s.Value), StringComparer.Ordinal),
        parts.Max(p => p.Audit.SettledAfterSeconds), parts.All(p => p.Audit.Exclusive))
    {
        StatusOf = parts.SelectMany(p => p.Audit.StatusOf).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal),
        PerSale = parts,
    };
}

/// <summary>
/// Once traffic stops: waits for the sale to settle, polls every 202 claim (or a sample) until it is
/// terminal, reads the live counts, and checks the contract's invariants against both.
/// </summary>
/// <param name="claimsPerUser">How many claims one buyer may make in the sale (<see cref="SaleView.ClaimsPerUser"/>).</param>
/// <param name="holdCheckout">Buyers whose card was declined try a good one, so a paid claim may have met the declining card first.</param>
public sealed class InvariantAuditor(
    FlashSaleApi api, string saleId, int stock, int claimsPerUser, ClaimBook book, TimeSpan settle, int pollLimit, bool exclusive,
    bool holdCheckout = false)
{
    private static readonly TimeSpan PollPause = TimeSpan.FromMilliseconds(250);

    public async Task<AuditReport> AuditAsync(Func<string, Task>? progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var deadline = clock.Elapsed + settle;
        var known = book.KnownClaims();
        var toPoll = pollLimit > 0 && known.Count > pollLimit
            ? known.OrderBy(c => c.ClaimId, StringComparer.Ordinal).Take(pollLimit).ToList()
            : known.ToList();

        // The counts are cheap: wait on them first, then fetch each claim once, and again only those not terminal yet.
        var counts = await api.GetSaleAsync(saleId, ct).ConfigureAwait(false);
        while (counts.Counts is { InFlight: > 0 } && clock.Elapsed < deadline)
        {
            if (progress is not null) await progress($"settling: {counts.Counts.InFlight} units in flight, {counts.Counts.Paid} paid").ConfigureAwait(false);
            await Task.Delay(PollPause, ct).ConfigureAwait(false);
            counts = await api.GetSaleAsync(saleId, ct).ConfigureAwait(false);
        }

        var views = new ConcurrentDictionary<string, ClaimView?>(StringComparer.Ordinal);
        var pending = toPoll;
        while (true)
        {
            await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = ct },
                async (c, token) => views[c.ClaimId] = await api.GetClaimAsync(saleId, c.ClaimId, token).ConfigureAwait(false)).ConfigureAwait(false);
            pending = pending.Where(c => views[c.ClaimId] is not { } v || !ClaimStatuses.IsTerminal(v.Status)).ToList();
            if (pending.Count == 0 || clock.Elapsed >= deadline) break;
            if (progress is not null) await progress($"settling: {pending.Count} of {toPoll.Count} claims not terminal yet").ConfigureAwait(false);
            await Task.Delay(PollPause, ct).ConfigureAwait(false);
        }
        var settledAfter = clock.Elapsed.TotalSeconds;
        counts = await api.GetSaleAsync(saleId, ct).ConfigureAwait(false);

        var statuses = views.Values.GroupBy(v => v?.Status ?? "not_found").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var invariants = Check(counts.Counts, toPoll, views, allPolled: toPoll.Count == known.Count);
        return new AuditReport(invariants, counts.Counts, toPoll.Count, book.AdmittedClaims().Count, statuses, settledAfter, exclusive)
        {
            StatusOf = views.Where(v => v.Value is not null).ToDictionary(v => v.Key, v => v.Value!.Status, StringComparer.Ordinal),
        };
    }

    private List<InvariantResult> Check(
        SaleCounts? c, IReadOnlyList<(string UserId, string ClaimId, string PaymentMethodId)> polled,
        IReadOnlyDictionary<string, ClaimView?> views, bool allPolled)
    {
        var results = new List<InvariantResult>();
        var admitted = book.AdmittedClaims();
        var ours = polled.Select(p => (p.UserId, p.PaymentMethodId, View: views.GetValueOrDefault(p.ClaimId), p.ClaimId)).ToList();
        var returned = ours.Count(o => o.View is { } v && (ClaimStatuses.ReturnsStock(v.Status) || v.Status == "rejected"));

        // 1. Never oversold.
        var broken = new List<string>();
        var check = new List<string>();
        if (c is null) broken.Add("the sale has no counts (never preloaded?)");
        else
        {
            Require(c.Paid <= stock, $"paid {c.Paid} ≤ stock {stock}");
            Require(c.Sold <= stock, $"PostgreSQL sold {c.Sold} ≤ stock {stock}");
            Require(c.Remaining >= 0, $"Redis remaining {c.Remaining} ≥ 0");
            Require(c.Admitted - c.Released - c.Rejected <= stock, $"units held (admitted {c.Admitted} − released {c.Released} − rejected {c.Rejected}) ≤ stock {stock}");
        }
        if (allPolled) Require(admitted.Count - returned <= stock, $"claims answered 202 {admitted.Count} − claims that gave their unit back {returned} ≤ stock {stock}");
        Add(1);

        // 2. One live claim per user: a buyer claims again only once their claim failed payment, up to claimsPerUser.
        var overAdmitted = book.Users.Where(u => u.Value.Admitted.Distinct().Count() > claimsPerUser).Select(u => u.Key).ToList();
        var overClaims = book.Users.Where(u => u.Value.Seen.Count > claimsPerUser).Select(u => u.Key).ToList();
        var twoLive = ours.Where(o => o.View is { } v && v.Status != ClaimStatuses.PaymentFailed).GroupBy(o => o.UserId)
            .Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        var wrongOwner = ours.Where(o => o.View is { } v && v.UserId != o.UserId).Select(o => o.ClaimId).ToList();
        Require(overAdmitted.Count == 0, $"no user answered 202 more than {claimsPerUser} times ({book.Users.Count} users with a claim){Sample(overAdmitted)}");
        Require(overClaims.Count == 0, $"no user handed more than {claimsPerUser} different claim ids{Sample(overClaims)}");
        Require(twoLive.Count == 0, $"no user holds two polled claims that are not payment_failed{Sample(twoLive)}");
        Require(wrongOwner.Count == 0, $"every polled claim belongs to the user who made it{Sample(wrongOwner)}");
        Add(2);

        // 3. Nothing lost.
        var missing = ours.Where(o => o.View is null).Select(o => o.ClaimId).ToList();
        var stuck = ours.Where(o => o.View is { } v && !ClaimStatuses.IsTerminal(v.Status)).Select(o => $"{o.ClaimId}={o.View!.Status}").ToList();
        Require(missing.Count == 0, $"every polled claim exists ({polled.Count} polled: the 202s, and claims learned from a 200 replay){Sample(missing)}");
        Require(stuck.Count == 0, $"every polled claim terminal within {settle.TotalSeconds:0.#} s{Sample(stuck)}");
        if (c is not null) Require(c.InFlight == 0, $"no units in flight after settling (inFlight {c.InFlight})");
        // Hold checkout: a hold ends within a second of its expiry, so none outlives it by more once settled.
        var overdue = ours.Where(o => o.View is { Status: ClaimStatuses.Held, HoldExpiresAt: { } until } && until < DateTime.UtcNow.AddSeconds(-1))
            .Select(o => $"{o.ClaimId} held until {o.View!.HoldExpiresAt:O}").ToList();
        Require(overdue.Count == 0, $"no unit held past its expiry + 1 s{Sample(overdue)}");
        Add(3);

        // 4. Stock conserved.
        if (c is not null)
        {
            Require(c.Stock == stock, $"the sale's stock is still {stock} (reads {c.Stock})");
            Require(c.Remaining + c.Paid + c.InFlight == stock, $"Redis: remaining {c.Remaining} + paid {c.Paid} + in flight {c.InFlight} = stock {stock}");
            Require(stock - c.Sold == c.Remaining, $"PostgreSQL: stock {stock} − sold {c.Sold} = Redis remaining {c.Remaining}");
        }
        else broken.Add("the sale has no counts");
        Add(4);

        // 5. Payments consistent.
        var paidWithoutOrder = ours.Where(o => o.View is { Status: ClaimStatuses.Paid, OrderId: null }).Select(o => o.ClaimId).ToList();
        var declinedButPaid = holdCheckout ? [] : ours.Where(o => o.View is { Status: ClaimStatuses.Paid } && o.PaymentMethodId == Buyers.DecliningCard).Select(o => o.ClaimId).ToList();
        var goodButFailed = ours.Where(o => o.View is { Status: ClaimStatuses.PaymentFailed } && o.PaymentMethodId == Buyers.GoodCard).Select(o => o.ClaimId).ToList();
        var ourPaid = ours.Where(o => o.View is { Status: ClaimStatuses.Paid }).Sum(o => o.View!.Quantity);
        var ourFailed = ours.Where(o => o.View is { Status: ClaimStatuses.PaymentFailed }).Sum(o => o.View!.Quantity);
        Require(paidWithoutOrder.Count == 0, $"every paid claim carries its order id{Sample(paidWithoutOrder)}");
        if (!holdCheckout) Require(declinedButPaid.Count == 0, $"no claim paying with {Buyers.DecliningCard} ended paid{Sample(declinedButPaid)}");
        Require(goodButFailed.Count == 0, $"no claim paying with {Buyers.GoodCard} ended payment_failed{Sample(goodButFailed)}");
        // Exact only when the crowd knows every claim the sale admitted: a 202 lost to a client timeout, never
        // retried, is a claim the tool cannot poll, so the counts can only be checked as bounds then.
        // Counts are units: a claim of --quantity N holds N of them.
        var knowsAll = c is not null && allPolled && exclusive && ours.Sum(o => o.View?.Quantity ?? 0) == c.Admitted;
        if (c is not null && knowsAll)
        {
            Require(c.Paid == ourPaid, $"paid count {c.Paid} = units of the polled claims paid {ourPaid}");
            Require(c.PaymentFailed == ourFailed, $"paymentFailed count {c.PaymentFailed} = units of the polled claims payment_failed {ourFailed}");
        }
        else if (c is not null)
            Require(c.Paid >= ourPaid, $"paid count {c.Paid} ≥ units of the polled claims paid {ourPaid} (bound only: " +
                $"{(exclusive ? "" : "the sale had claims before this run; ")}{(allPolled ? "" : "claims sampled; ")}" +
                $"the crowd knows {polled.Count} of {c.Admitted} admitted claims)");
        Add(5);
        return results;

        void Require(bool holds, string rule)
        {
            check.Add(rule);
            if (!holds) broken.Add(rule);
        }

        void Add(int number)
        {
            var (_, name, text) = InvariantResult.All[number - 1];
            results.Add(new InvariantResult(number, name, text, check.ToList(), broken.ToList()));
            check.Clear();
            broken.Clear();
        }
    }

    private static string Sample(List<string> ids) => ids.Count == 0 ? "" : $": {ids.Count} broken, e.g. {string.Join(", ", ids.Take(3))}";
}
