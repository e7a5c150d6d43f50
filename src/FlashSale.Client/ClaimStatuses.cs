namespace FlashSale.Client;

/// <summary>A claim's <c>status</c> (CONTRACT.md, Storefront).</summary>
public static class ClaimStatuses
{
    public const string Admitted = "admitted";
    public const string Confirmed = "confirmed";
    public const string PaymentPending = "payment_pending";
    public const string Paid = "paid";
    public const string PaymentFailed = "payment_failed";
    public const string Released = "released";
    public const string Expired = "expired";
    public const string Rejected = "rejected";
    /// <summary>Hold checkout: the units are the buyer's until <c>holdExpiresAt</c>, to pay through checkout.</summary>
    public const string Held = "held";
    /// <summary>A payment that arrived after its hold had expired, refunded; the units stayed with the sale.</summary>
    public const string Refunded = "refunded";

    /// <summary>Nothing more happens to a claim in one of these.</summary>
    public static bool IsTerminal(string status) =>
        status is Paid or PaymentFailed or Released or Expired or Rejected or Refunded;
}
