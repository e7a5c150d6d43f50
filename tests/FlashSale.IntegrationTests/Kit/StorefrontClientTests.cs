using System.Net;
using FlashSale.Client;
using FlashSale.IntegrationTests.Infrastructure;
using QueueSteps = FlashSale.IntegrationTests.WaitingRoom.QueueSteps;
using RegisteredReceiver = FlashSale.IntegrationTests.Webhooks.RegisteredReceiver;

namespace FlashSale.IntegrationTests.Kit;

/// <summary>FlashSale.Client against the real service: what a storefront built on it gets.</summary>
[Collection(ServiceCollection.Name)]
public sealed class StorefrontClientTests(ServiceFixture app)
{
    [Fact]
    public async Task A_claim_is_admitted_then_replayed_as_the_same_claim_and_waited_for_until_paid()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 5);
        var storefront = Client(new CountingHandler());

        var first = await storefront.ClaimAsync(sale.SaleId, new ClaimRequest("kit-paid", 1, "pm_card_visa"));
        Assert.Equal(ClaimStatuses.Admitted, first.Status);
        Assert.False(first.IsReplay);
        var again = await storefront.ClaimAsync(sale.SaleId, new ClaimRequest("kit-paid", 1, "pm_card_visa"));
        Assert.True(again.IsReplay);
        Assert.Equal(first.ClaimId, again.ClaimId);

        var paid = await storefront.WaitUntilTerminalAsync(sale.SaleId, first.ClaimId);
        Assert.Equal(ClaimStatuses.Paid, paid.Status);
        Assert.NotNull(paid.OrderId);
        Assert.Equal(1, (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Admitted);
    }

    [Fact]
    public async Task A_claim_whose_answer_was_lost_is_retried_as_the_replay_and_takes_one_unit()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 5);
        var handler = new CountingHandler { LoseAnswers = 1 };
        var storefront = Client(handler);

        var answer = await storefront.ClaimAsync(sale.SaleId, new ClaimRequest("kit-lost", 1, "pm_card_visa"));

        Assert.Equal(2, handler.Sent);
        Assert.True(answer.IsReplay, "the retry got the claim the lost answer was about");
        var claim = await storefront.GetClaimAsync(sale.SaleId, answer.ClaimId);
        Assert.Equal("kit-lost", claim.UserId);
        var counts = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal(1, counts.Admitted);
        Assert.Equal(4, counts.Remaining);
    }

    [Fact]
    public async Task A_sold_out_sale_refuses_with_the_contracts_code_and_the_refusal_is_not_retried()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 1);
        var handler = new CountingHandler();
        var storefront = Client(handler);
        await storefront.ClaimAsync(sale.SaleId, new ClaimRequest("kit-first", 1, "pm_card_visa"));

        var refused = await Assert.ThrowsAsync<FlashSaleProblemException>(() =>
            storefront.ClaimAsync(sale.SaleId, new ClaimRequest("kit-second", 1, "pm_card_visa")));

        Assert.Equal(409, refused.Status);
        Assert.Equal(ProblemCodes.SoldOut, refused.Code);
        Assert.True(refused.SaleRefuses);
        Assert.Equal(2, handler.Sent);
        var invalid = await Assert.ThrowsAsync<FlashSaleProblemException>(() =>
            storefront.ClaimAsync(sale.SaleId, new ClaimRequest("not a user id!", 1, "pm_card_visa")));
        Assert.Equal(ProblemCodes.InvalidRequest, invalid.Code);
        Assert.Contains("userId", invalid.Errors.Keys);
        var unknown = await Assert.ThrowsAsync<FlashSaleProblemException>(() => storefront.GetClaimAsync(sale.SaleId, "clm_00000000000000000000000000000000"));
        Assert.Equal(ProblemCodes.ClaimNotFound, unknown.Code);
    }

    [Fact]
    public async Task A_hold_is_paid_through_checkout_and_another_is_given_up()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 2, checkout: Checkout.Hold());
        var storefront = Client(new CountingHandler());

        var held = await storefront.ClaimAsync(sale.SaleId, new ClaimRequest("kit-hold-pays"));
        Assert.Equal(ClaimStatuses.Held, held.Status);
        Assert.NotNull(held.HoldExpiresAt);
        Assert.Equal(held.StatusUrl + "/checkout", held.CheckoutUrl);
        Assert.Equal(ClaimStatuses.Held, (await storefront.WaitUntilTerminalAsync(sale.SaleId, held.ClaimId, orHeld: true)).Status);
        await storefront.CheckoutAsync(sale.SaleId, held.ClaimId, "pm_card_visa");
        Assert.Equal(ClaimStatuses.Paid, (await storefront.WaitUntilTerminalAsync(sale.SaleId, held.ClaimId)).Status);

        var other = await storefront.ClaimAsync(sale.SaleId, new ClaimRequest("kit-hold-leaves"));
        await storefront.WaitUntilTerminalAsync(sale.SaleId, other.ClaimId, orHeld: true);
        Assert.Equal(ClaimStatuses.Released, (await storefront.ReleaseAsync(sale.SaleId, other.ClaimId)).Status);
        var late = await Assert.ThrowsAsync<FlashSaleProblemException>(() => storefront.CheckoutAsync(sale.SaleId, other.ClaimId, "pm_card_visa"));
        Assert.Equal(ProblemCodes.ClaimNotHeld, late.Code);
    }

    [Fact]
    public async Task A_hold_paid_in_the_browser_starts_with_a_payment_intent_and_ends_paid_by_the_webhook()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 1, checkout: Checkout.Hold());
        var storefront = Client(new CountingHandler());
        var held = await storefront.ClaimAsync(sale.SaleId, new ClaimRequest("kit-browser"));
        await Eventually.True(async () => (await app.Storefront.GetClaimAsync(sale.SaleId, held.ClaimId)).Status == "held", TimeSpan.FromSeconds(10), "the hold is recorded");

        var intent = await storefront.StartClientCheckoutAsync(sale.SaleId, held.ClaimId);
        Assert.False(string.IsNullOrEmpty(intent.ClientSecret));
        // What Stripe.js does in the buyer's browser, played by the simulated provider.
        var confirmed = await app.Storefront.PostJsonAsync($"/simulated/payment_intents/{intent.PaymentIntentId}/confirm", new { paymentMethodId = "pm_card_visa" });
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal(ClaimStatuses.Paid, (await storefront.WaitUntilTerminalAsync(sale.SaleId, held.ClaimId)).Status);
    }

    [Fact]
    public async Task A_checkout_whose_answer_was_lost_is_not_sent_again_and_the_claim_tells_what_became_of_it()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 1, checkout: Checkout.Hold());
        var handler = new CountingHandler();
        var storefront = Client(handler);
        var held = await storefront.ClaimAsync(sale.SaleId, new ClaimRequest("kit-checkout-lost"));
        await storefront.WaitUntilTerminalAsync(sale.SaleId, held.ClaimId, orHeld: true);
        // Recorded in PostgreSQL, so the checkout is taken at once rather than answered 503.
        await Eventually.True(async () => (await app.Storefront.GetClaimAsync(sale.SaleId, held.ClaimId)).Status == "held", TimeSpan.FromSeconds(10), "the hold is recorded");
        var before = handler.Sent;
        handler.LoseAnswers = 1;

        await Assert.ThrowsAsync<HttpRequestException>(() => storefront.CheckoutAsync(sale.SaleId, held.ClaimId, "pm_card_visa"));

        Assert.Equal(before + 1, handler.Sent);
        Assert.Equal(ClaimStatuses.Paid, (await storefront.WaitUntilTerminalAsync(sale.SaleId, held.ClaimId)).Status);
    }

    [Fact]
    public async Task A_buyer_queues_is_admitted_and_claims_with_the_admission_token()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 3);
        var storefront = Client(new CountingHandler());

        var without = await Assert.ThrowsAsync<FlashSaleProblemException>(() =>
            storefront.ClaimAsync(saleId, new ClaimRequest("kit-queued", 1, "pm_card_visa")));
        Assert.Equal(ProblemCodes.AdmissionRequired, without.Code);

        var ticket = await storefront.JoinQueueAsync(saleId, "kit-queued");
        Assert.Equal(ticket.TicketId, (await storefront.JoinQueueAsync(saleId, "kit-queued")).TicketId);
        await Eventually.True(async () => (ticket = await storefront.PollQueueAsync(saleId, ticket.TicketId)).Status == "admitted",
            TimeSpan.FromSeconds(15), "the ticket is admitted by the outflow");
        Assert.NotNull(ticket.AdmissionToken);

        var claim = await storefront.ClaimAsync(saleId, new ClaimRequest("kit-queued", 1, "pm_card_visa"), ticket.AdmissionToken);
        Assert.Equal(ClaimStatuses.Admitted, claim.Status);
        Assert.Equal("used", (await storefront.PollQueueAsync(saleId, ticket.TicketId)).Status);
    }

    [Fact]
    public async Task The_webhook_verifier_accepts_the_services_deliveries_and_refuses_a_changed_or_stale_one()
    {
        await using var endpoint = await RegisteredReceiver.StartAsync(app.Admin, "claim.paid");
        var sale = await app.Admin.LiveSaleAsync(stock: 1);
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, "kit-hooked")).StatusCode);
        await Eventually.True(() => Task.FromResult(endpoint.Of(sale.SaleId).Count > 0), TimeSpan.FromSeconds(30), "claim.paid is delivered");
        var delivery = endpoint.Receiver.All.First(r => r.Body.Contains(sale.SaleId, StringComparison.Ordinal));
        var timestamp = delivery.Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var verifier = new WebhookVerifier(endpoint.Receiver.Secret!);
        verifier.Verify(delivery.Body, delivery.WebhookId, timestamp, delivery.Signature);
        Assert.False(verifier.IsValid(delivery.Body.Replace("kit-hooked", "kit-hacked"), delivery.WebhookId, timestamp, delivery.Signature));
        Assert.False(new WebhookVerifier("whsec_" + Convert.ToBase64String(new byte[32])).IsValid(delivery.Body, delivery.WebhookId, timestamp, delivery.Signature));
        var later = new ShiftedClock(TimeSpan.FromMinutes(6));
        Assert.Throws<WebhookSignatureException>(() =>
            new WebhookVerifier(endpoint.Receiver.Secret!, clock: later).Verify(delivery.Body, delivery.WebhookId, timestamp, delivery.Signature));
    }

    private StorefrontClient Client(CountingHandler handler) =>
        new(new HttpClient(handler) { BaseAddress = app.Storefront.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(30) }, ServiceFixture.StorefrontKey);

    /// <summary>Counts what is sent; can lose the first answers after the service has acted on the request, as a dropped connection does.</summary>
    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _sent;
        public int LoseAnswers { get; set; }
        public int Sent => _sent;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Interlocked.Increment(ref _sent);
            var response = await base.SendAsync(request, ct);
            if (LoseAnswers <= 0) return response;
            LoseAnswers--;
            response.Dispose();
            throw new HttpRequestException("The connection was reset before the answer arrived.");
        }
    }

    private sealed class ShiftedClock(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + by;
    }
}
