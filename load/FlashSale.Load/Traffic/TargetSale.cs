using FlashSale.Load.Metrics;

namespace FlashSale.Load.Traffic;

/// <summary>
/// One of the sales a run targets (<c>--sales N</c>; one by default): the claims its buyers were handed, for its own audit,
/// and its answers, for its line of the report.
/// </summary>
public sealed class TargetSale(int index, string saleId)
{
    public int Index => index;
    public string SaleId => saleId;
    public ClaimBook Book { get; } = new();
    public SaleTally Tally { get; } = new();

    public static IReadOnlyList<TargetSale> Of(IEnumerable<string> saleIds) => saleIds.Select((id, i) => new TargetSale(i, id)).ToList();
}
