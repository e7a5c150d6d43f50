using FlashSale.Service.Auth;
using FlashSale.Service.Http;
using FlashSale.Service.WaitingRoom;
using static FlashSale.Service.Http.ProblemCodes;

namespace FlashSale.Service.OpenApi;

/// <summary>
/// Every operation of the API, in one table: what a generated client names it, says of it, sends with it and can be
/// refused with. The endpoint files keep their routes and success types; this is the one place their documentation
/// lives, so the names and codes a storefront's generated client depends on change in one commit. A mapped endpoint
/// missing here is a lint error in <c>make test</c> (no operationId, no summary).
/// </summary>
public static class ApiOperations
{
    private static readonly ApiProblem Unauthorized = new(401, ProblemCodes.Unauthorized);
    private static readonly ApiProblem Forbidden = new(403, ProblemCodes.Forbidden);
    private static readonly ApiProblem Invalid = new(400, InvalidRequest);
    private static readonly ApiProblem TooLarge = new(413, PayloadTooLarge);
    private static readonly ApiProblem NoSale = new(404, SaleNotFound);
    private static readonly ApiProblem NoSaleOrClaim = new(404, SaleNotFound, ClaimNotFound);
    private static readonly ApiProblem Transition = new(409, InvalidTransition);
    private static readonly ApiProblem Unavailable = new(503, DependencyUnavailable);

    private static ApiProblem[] Keyed(params ApiProblem[] more) => [Unauthorized, Forbidden, .. more, Unavailable];
    private static ApiProblem[] Open(params ApiProblem[] more) => [.. more, Unavailable];

    public static IReadOnlyList<ApiOperation> All { get; } =
    [
        // Merchants
        new("POST", "/admin/sales", "createSale", "Schedule a sale",
            "Creates a sale in status `scheduled`. A repeat with the same `Idempotency-Key` and body returns the same sale (201); " +
            "the same key with another body is refused with `idempotency_key_reused`.", Policies.Admin,
            Keyed(Invalid, TooLarge, new(422, IdempotencyKeyReused))),
        new("GET", "/admin/sales", "listSales", "List sales", "The newest sales first, at most `limit` (1-1000, default 100).",
            Policies.Admin, Keyed(Invalid)),
        new("GET", "/admin/sales/{saleId}", "getSale", "Get a sale with its live counts",
            "The sale as created, its current `status` and live `counts` in units (`remaining` and `admitted` from Redis, the rest from PostgreSQL).",
            Policies.Admin, Keyed(NoSale)),
        new("PATCH", "/admin/sales/{saleId}", "updateSale", "Change a sale's waiting-room outflow or its end",
            "Sets `waitingRoom.outflowPerMinute` (the new rate applies within a second) and/or `endsAt` (after `startsAt`, still to come) of a sale that is not closed.",
            Policies.Admin, Keyed(Invalid, NoSale, Transition, TooLarge)),
        new("POST", "/admin/sales/{saleId}/preload", "preloadSale", "Load a sale's inventory into Redis",
            "Idempotent; also done automatically shortly before `startsAt`. Claims are admitted only from a preloaded pool.",
            Policies.Admin, Keyed(NoSale, Transition)),
        new("POST", "/admin/sales/{saleId}/pause", "pauseSale", "Pause a live sale",
            "Claims are refused with `sale_paused` until the sale is resumed.", Policies.Admin, Keyed(NoSale, Transition)),
        new("POST", "/admin/sales/{saleId}/resume", "resumeSale", "Resume a paused sale", "Claims are admitted again.",
            Policies.Admin, Keyed(NoSale, Transition)),
        new("POST", "/admin/sales/{saleId}/close", "closeSale", "Close a sale now",
            "Ends the sale at once and reconciles its leftovers; what is still in flight settles in the reconciler's passes.",
            Policies.Admin, Keyed(NoSale, Transition)),
        new("GET", "/admin/sales/{saleId}/report", "getSaleReport", "Get a sale's reconciliation report",
            "The stock-conservation equation with every term from PostgreSQL and Redis, any anomaly found and how it was repaired.",
            Policies.Admin, Keyed(NoSale)),

        // Buyers, through the storefront
        new("GET", "/sales/{saleId}", "getPublicSale", "Get a sale as buyers see it",
            "Name, price, currency, window, status and the approximate units `remaining`.", Policies.Storefront, Keyed(NoSale)),
        new("POST", "/sales/{saleId}/claims", "claim", "Claim units of a sale",
            "One claim per user per sale. The first accepted claim answers `202` (`admitted`, or `held` in a hold sale); the same user " +
            "claiming again answers `200` with the same claim and takes no stock, so a retry of a claim whose answer was lost " +
            "is always safe. A waiting-room sale needs the `FlashSale-Admission` header. Refusals change nothing.",
            Policies.Storefront,
            [Invalid, Unauthorized, new(403, ProblemCodes.Forbidden, AdmissionRequired, AdmissionInvalid), NoSale,
                new(409, SoldOut, SaleNotStarted, SaleEnded, SalePaused), TooLarge, new(429, RateLimited), new(503, Overloaded, DependencyUnavailable)],
            [new(AdmissionTokens.Header, "The admission token of an admitted waiting-room ticket; required on a sale with a waiting room, ignored otherwise.")]),
        new("GET", "/sales/{saleId}/claims/{claimId}", "getClaim", "Get a claim",
            "Poll until the status is terminal: `paid`, `payment_failed`, `released`, `expired`, `rejected` or `refunded`. " +
            "`held` waits for checkout; `admitted`, `confirmed` and `payment_pending` are on their way.",
            Policies.Storefront, Keyed(NoSaleOrClaim)),
        new("DELETE", "/sales/{saleId}/claims/{claimId}", "releaseClaim", "Give a hold up",
            "A held claim ends `released`, its units back on sale at once; a repeat answers the same. A paid claim is refused with `claim_not_held`.",
            Policies.Storefront, Keyed(NoSaleOrClaim, new(409, ClaimNotHeld))),
        new("POST", "/sales/{saleId}/claims/{claimId}/checkout", "checkout", "Pay for a hold",
            "`{\"paymentMethodId\"}`: the service charges it and answers `202` with the claim `payment_pending`; poll it to `paid`, or back to " +
            "`held` with `lastPaymentError` after a decline. `{\"confirm\":\"client\"}`: `200` with a PaymentIntent for the browser to confirm; " +
            "the outcome arrives by Stripe's webhook.",
            Policies.Storefront, Keyed(Invalid, NoSaleOrClaim, new(409, HoldExpired, CheckoutInProgress, PaymentAttemptsExhausted, ClaimNotHeld), TooLarge)),

        // The waiting room
        new("POST", "/sales/{saleId}/queue", "joinQueue", "Join a sale's waiting room",
            "`201` with a new ticket, `200` with the same ticket for the same user again. The queue opens `prequeueMinutes` before `startsAt`.",
            Policies.Storefront, Keyed(Invalid, new ApiProblem(404, SaleNotFound, NotFound), new(409, SaleNotStarted, SaleEnded), TooLarge)),
        new("GET", "/sales/{saleId}/queue/{ticketId}", "pollQueue", "Poll a waiting-room ticket",
            "Position, people ahead and the wait; once `admitted`, the `admissionToken` to send with the claim. Poll again after `pollAfterSeconds`.",
            Policies.Storefront, Keyed(new ApiProblem(404, SaleNotFound, TicketNotFound))),
        new("GET", "/sales/{saleId}/wait", "waitPage", "The waiting page a buyer's browser shows",
            "HTML that refreshes itself and, once the ticket is admitted, redirects to `return` with `flashsale_admission` added to its query. No key: the ticket id is the buyer's own secret.",
            null, Open(Invalid), Pages: new Dictionary<int, string>
            {
                [200] = "The waiting page: position, people ahead, wait, units left, sold out.",
                [404] = "A page saying the ticket is unknown.",
                [503] = "A page saying the place cannot be read this second; it retries by itself (`Retry-After`).",
            }),
        new("GET", "/sales/{saleId}/fairness", "getFairness", "Get the commitment and seed of a sale's shuffle",
            "`commitment` (hex SHA-256 of the seed) from the queue's opening; the `seed` from `startsAt` on. No key needed.",
            null, Open(new ApiProblem(404, SaleNotFound, NotFound))),
        new("GET", "/sales/{saleId}/fairness/order", "listFairOrder", "List the shuffled pre-queue, a page at a time",
            "The pre-queue tickets sorted by hex SHA-256(seed bytes || UTF-8 ticketId); `after` is the last ticket id of the previous page. No key needed.",
            null, Open(Invalid, new ApiProblem(404, SaleNotFound, NotFound), new(409, SaleNotStarted))),

        // Payments
        new("POST", "/webhooks/stripe", "receiveStripeEvent", "Receive a Stripe event",
            "For Stripe: verified by `Stripe-Signature` (300 s tolerance), applied once by event id. A bad signature is a `400` that changes nothing.",
            null, Open(Invalid, TooLarge),
            [new("Stripe-Signature", "Stripe's signature of the payload (t=...,v1=...).", Required: true)]),
        new("POST", "/simulated/payment_intents/{paymentIntentId}/confirm", "confirmSimulatedPaymentIntent",
            "Confirm a PaymentIntent (simulated provider)",
            "What Stripe.js does in the browser, for the simulated provider only: decides by the test payment method, then posts a signed event to `/webhooks/stripe`.",
            Policies.Storefront, Keyed(Invalid, new ApiProblem(404, NotFound), TooLarge)),

        // Merchants' webhooks
        new("POST", "/admin/webhooks", "createWebhook", "Register a webhook endpoint",
            "The `secret` (`whsec_` and base64) is made when none is given and shown in this answer only. Deliveries are signed per Standard Webhooks.",
            Policies.Admin, Keyed(Invalid, TooLarge)),
        new("GET", "/admin/webhooks", "listWebhooks", "List webhook endpoints", "With `disabled: true` for one that failed for all of `RetryFor`.",
            Policies.Admin, Keyed()),
        new("DELETE", "/admin/webhooks/{webhookId}", "deleteWebhook", "Remove a webhook endpoint", "Nothing more is sent to it.",
            Policies.Admin, Keyed(new ApiProblem(404, NotFound))),
        new("GET", "/admin/webhooks/{webhookId}/deliveries", "listWebhookDeliveries", "List an endpoint's deliveries",
            "Newest first, with each attempt's time, status code and error.", Policies.Admin, Keyed(Invalid, new ApiProblem(404, NotFound))),
        new("POST", "/admin/webhooks/{webhookId}/deliveries/{deliveryId}/retry", "retryWebhookDelivery", "Send a delivery again",
            "Queues the delivery for another attempt now, with the same `webhook-id`.", Policies.Admin, Keyed(new ApiProblem(404, NotFound))),

        // SREs
        new("GET", "/healthz", "getHealth", "Liveness", "200 while the process lives.", null, []),
        new("GET", "/readyz", "getReadiness", "Readiness",
            "200 only when Redis, PostgreSQL and the queue answer; else 503 naming what is down.", null, []),
    ];

    private static readonly Dictionary<(string, string), ApiOperation> ByRoute =
        All.ToDictionary(o => (o.Method, Normalize(o.Path)));

    /// <summary>The operation of a route as ApiExplorer spells it (no leading slash, a group's trailing one).</summary>
    public static ApiOperation? Find(string? method, string? relativePath) =>
        method is null || relativePath is null ? null : ByRoute.GetValueOrDefault((method.ToUpperInvariant(), Normalize(relativePath)));

    private static string Normalize(string path) => path.Trim('/');
}
