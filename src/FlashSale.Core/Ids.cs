using System.Text.RegularExpressions;

namespace FlashSale.Core;

/// <summary>
/// Identifiers are a prefix plus a version-7 GUID in hex: sortable by creation time and cheap to check
/// for shape, so an id that cannot exist is refused before any store is asked.
/// </summary>
public static partial class Ids
{
    public static string NewSaleId() => "sale_" + Guid.CreateVersion7().ToString("N");
    public static string NewClaimId() => "clm_" + Guid.CreateVersion7().ToString("N");

    /// <summary>
    /// A waiting-room ticket: 128 random bits, not a v7 GUID. The id is the buyer's secret (it reads their place and
    /// their token), and a time-ordered one would tell others when they came.
    /// </summary>
    public static string NewTicketId() =>
        "tkt_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool IsTicketId(string? value) => value is not null && TicketIdShape().IsMatch(value);

    /// <summary>The order id is derived from the claim id so a retried payment can never mint a second order.</summary>
    public static string OrderIdFor(string claimId) => "ord_" + claimId["clm_".Length..];

    public static bool IsSaleId(string? value) => value is not null && SaleIdShape().IsMatch(value);
    public static bool IsClaimId(string? value) => value is not null && ClaimIdShape().IsMatch(value);

    [GeneratedRegex(@"^sale_[0-9a-f]{32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex SaleIdShape();

    [GeneratedRegex(@"^tkt_[A-Za-z0-9_-]{22}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TicketIdShape();

    [GeneratedRegex(@"^clm_[0-9a-f]{32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ClaimIdShape();
}
