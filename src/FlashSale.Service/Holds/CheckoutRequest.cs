namespace FlashSale.Service.Holds;

/// <summary>The body of <c>POST /sales/{saleId}/claims/{claimId}/checkout</c>.</summary>
/// <param name="PaymentMethodId">Server-side confirm: the service charges this payment method.</param>
/// <param name="Confirm"><c>client</c>: a PaymentIntent for the storefront to confirm in the browser.</param>
public sealed record CheckoutRequest(string? PaymentMethodId, string? Confirm);
