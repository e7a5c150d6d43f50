namespace FlashSale.Load.Verdict;

/// <summary>One of CONTRACT.md's invariants as the audit found it, with what it checked and what broke.</summary>
public sealed record InvariantResult(int Number, string Name, string Rule, IReadOnlyList<string> Checked, IReadOnlyList<string> Broken)
{
    public bool Passed => Broken.Count == 0;

    /// <summary>A run on several sales (<c>--sales</c>) checks every invariant on each: the sale this one is of; null on one sale.</summary>
    public string? SaleId { get; init; }

    /// <summary>The name, with the sale when the run had several: <c>stock_conserved</c>, <c>stock_conserved on sale_...</c>.</summary>
    public string Label => SaleId is null ? Name : $"{Name} on {SaleId}";

    /// <summary>See <see cref="Cli.ExitCodes"/>: 21 for invariant 1 ... 25 for invariant 5.</summary>
    public int ExitCode => 20 + Number;

    public static readonly IReadOnlyList<(int Number, string Name, string Rule)> All =
    [
        (1, "never_oversold", "admitted ≤ stock, paid ≤ stock"),
        (2, "one_claim_per_user", "one claim per user per sale that is not payment_failed, at most maxPaymentAttempts in all"),
        (3, "nothing_lost", "every 202 claim terminal within the settle time"),
        (4, "stock_conserved", "remaining + paid + in flight = stock, in Redis and PostgreSQL alike"),
        (5, "payments_consistent", "paid count = paid claims, each with one order; declined cards never paid"),
    ];
}
