namespace FlashSale.Core;

/// <summary>A claim's life: admitted → confirmed → paid, or one of the ways it gives its stock back.</summary>
public static class ClaimStatus
{
    public const string Admitted = "admitted";
    public const string Confirmed = "confirmed";
    public const string PaymentPending = "payment_pending";
    public const string Paid = "paid";
    public const string PaymentFailed = "payment_failed";
    public const string Released = "released";
    public const string Expired = "expired";
    public const string Rejected = "rejected";

    /// <summary>Hold checkout: the units are reserved for this buyer until the hold expires, to pay through checkout.</summary>
    public const string Held = "held";

    /// <summary>Hold checkout: a payment arrived after the hold had ended and was refunded; the units stayed with the sale.</summary>
    public const string Refunded = "refunded";

    public static bool IsTerminal(string status) =>
        status is Paid or PaymentFailed or Released or Expired or Rejected or Refunded;

    /// <summary>Terminal statuses whose stock went back to the sale.</summary>
    public static bool ReturnsStock(string status) => status is PaymentFailed or Released or Expired or Refunded;
}
