namespace FlashSale.Client;

/// <summary>The <c>code</c> of a problem response (CONTRACT.md, Errors). A service newer than this library may send others.</summary>
public static class ProblemCodes
{
    public const string InvalidRequest = "invalid_request";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string SaleNotFound = "sale_not_found";
    public const string ClaimNotFound = "claim_not_found";
    public const string TicketNotFound = "ticket_not_found";
    public const string NotFound = "not_found";
    public const string SaleNotStarted = "sale_not_started";
    public const string SaleEnded = "sale_ended";
    public const string SalePaused = "sale_paused";
    public const string SoldOut = "sold_out";
    public const string PayloadTooLarge = "payload_too_large";
    public const string RateLimited = "rate_limited";
    public const string Overloaded = "overloaded";
    public const string DependencyUnavailable = "dependency_unavailable";
    public const string AdmissionRequired = "admission_required";
    public const string AdmissionInvalid = "admission_invalid";
    public const string HoldExpired = "hold_expired";
    public const string CheckoutInProgress = "checkout_in_progress";
    public const string PaymentAttemptsExhausted = "payment_attempts_exhausted";
    public const string ClaimNotHeld = "claim_not_held";
}
