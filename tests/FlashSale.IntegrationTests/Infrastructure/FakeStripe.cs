using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Web;
using WireMock;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace FlashSale.IntegrationTests.Infrastructure;

/// <summary>
/// WireMock.Net playing the part of the Stripe API that FlashSale uses: create-and-confirm a PaymentIntent
/// and search PaymentIntents by metadata. It keeps Stripe's idempotency rule (the first answer to a key is
/// the answer to every repeat of it, 500s included) and its test payment methods, and a test can switch on
/// an outage, a lost answer, a slow answer or a lagging search index.
/// </summary>
public sealed class FakeStripe : IDisposable
{
    public const string ApiKey = "sk_test_fakestripe_0123456789";

    private readonly WireMockServer _server = WireMockServer.Start();
    private readonly ConcurrentDictionary<string, (int Status, string Body)> _answers = new();
    private readonly ConcurrentDictionary<string, Intent> _intents = new();
    private readonly ConcurrentDictionary<string, bool> _inFlight = new();
    private int _conflicts;
    private readonly Lock _gate = new();
    private int _slowAnswers;
    private int _outageAnswers;

    public FakeStripe()
    {
        _server.Given(Request.Create().WithPath("/v1/payment_intents").UsingPost())
            .RespondWith(Response.Create().WithCallback(CreateAsync));
        _server.Given(Request.Create().WithPath("/v1/payment_intents/search").UsingGet())
            .RespondWith(Response.Create().WithCallback(Search));
        _server.Given(Request.Create().WithPath("/v1/refunds").UsingPost())
            .RespondWith(Response.Create().WithCallback(Refund));
    }

    public const string WebhookSecret = "whsec_fakestripe_0123456789abcdef";

    private readonly ConcurrentDictionary<string, Refunded> _refunds = new();

    /// <summary>Refunds made, one per idempotency key however often it was sent.</summary>
    public IReadOnlyList<Refunded> Refunds => _refunds.Values.ToList();

    public IReadOnlyList<ILogEntry> RefundRequests => _server.LogEntries
        .Where(e => e.RequestMessage.Method == "POST" && e.RequestMessage.Path == "/v1/refunds").ToList();

    private IResponseMessage Refund(IRequestMessage request)
    {
        var key = Header(request, "Idempotency-Key");
        if (string.IsNullOrEmpty(key)) return Json(400, Error("invalid_request_error", "parameter_missing", null, "An idempotency key is required here."));
        var form = HttpUtility.ParseQueryString(request.Body ?? "");
        var intentId = form["payment_intent"] ?? "";
        if (!_intents.TryGetValue(intentId, out var intent) || !intent.Succeeded || intent.Unconfirmed)
            return Json(400, Error("invalid_request_error", "resource_missing", null, $"No such payment_intent: '{intentId}'"));
        var refund = _refunds.GetOrAdd(key, k => new Refunded($"re_fake_{Guid.NewGuid():N}", k, intentId, form["metadata[claim_id]"] ?? ""));
        return Json(200, JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = refund.Id, ["object"] = "refund", ["amount"] = intent.Amount, ["currency"] = intent.Currency,
            ["payment_intent"] = intentId, ["status"] = "succeeded",
        }), replayed: refund.Key == key && RefundRequests.Count(r => Header(r, "Idempotency-Key") == key) > 1);
    }

    /// <summary>Stripe's side of a browser confirm: the intent is now paid (or declined), as a webhook will tell.</summary>
    public Intent ConfirmInBrowser(string paymentIntentId, string paymentMethod)
    {
        var confirmed = _intents[paymentIntentId] with { PaymentMethod = paymentMethod, DeclineCode = DeclineCodeOf(paymentMethod), Unconfirmed = false };
        _intents[paymentIntentId] = confirmed;
        return confirmed;
    }

    private static string? Header(IRequestMessage request, string name) =>
        request.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();

    public string Url => _server.Url!;

    /// <summary>Creates answer 503 and change nothing, as during an outage (nothing is remembered for the key).</summary>
    public bool Outage { get; set; }

    /// <summary>Creates do their work, then answer 500, and Stripe remembers that 500 for the key.</summary>
    public bool LoseAnswers { get; set; }

    /// <summary>False: searches find nothing yet, as right after a create while Stripe's search index lags.</summary>
    public bool SearchIndexed { get; set; } = true;

    /// <summary>
    /// How long every create takes to answer (it does its work at once). A second create with the same key while
    /// the first is still in flight gets Stripe's 409 <c>idempotency_key_in_use</c>, and nothing is remembered for it.
    /// </summary>
    public TimeSpan Latency { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Set: creates are refused with this <c>invalid_request_error</c> code (400), as for a payment method the account
    /// has not activated; nothing is charged or remembered for the key, as for a request Stripe refuses before running it.
    /// </summary>
    public string? RefuseWith { get; set; }

    /// <summary>Creates answered 409 because another request with their key was still in flight.</summary>
    public int Conflicts => Volatile.Read(ref _conflicts);

    /// <summary>How long a slow answer is held back.</summary>
    public TimeSpan SlowAnswerDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The next <paramref name="count"/> creates do their work at once and answer only after <see cref="SlowAnswerDelay"/>.</summary>
    public void SlowDownNextAnswers(int count) => Interlocked.Exchange(ref _slowAnswers, count);

    /// <summary>The next <paramref name="count"/> creates answer 503 without doing anything.</summary>
    public void FailNextCreates(int count) => Interlocked.Exchange(ref _outageAnswers, count);

    public IReadOnlyList<Intent> Intents => _intents.Values.ToList();

    public IReadOnlyList<Intent> IntentsOf(string claimId) => _intents.Values.Where(i => i.ClaimId == claimId).ToList();

    /// <summary>Every create request WireMock received, in arrival order.</summary>
    public IReadOnlyList<ILogEntry> CreateRequests => _server.LogEntries
        .Where(e => e.RequestMessage.Method == "POST" && e.RequestMessage.Path == "/v1/payment_intents")
        .OrderBy(e => e.RequestMessage.DateTime).ToList();

    public IReadOnlyList<ILogEntry> SearchRequests => _server.LogEntries
        .Where(e => e.RequestMessage.Path == "/v1/payment_intents/search").ToList();

    public static string? Header(ILogEntry entry, string name) =>
        entry.RequestMessage.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();

    private async Task<IResponseMessage> CreateAsync(IRequestMessage request)
    {
        var key = request.Headers?.FirstOrDefault(h => string.Equals(h.Key, "Idempotency-Key", StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();
        if (string.IsNullOrEmpty(key)) return Json(400, Error("invalid_request_error", "parameter_missing", null, "An idempotency key is required here."));
        (int Status, string Body) answer;
        var slow = false;
        lock (_gate)
        {
            if (Outage || TakeOne(ref _outageAnswers)) return Json(503, Error("api_error", null, null, "Stripe is down (fake outage)."));
            if (RefuseWith is { } refusal)
                return Json(400, Error("invalid_request_error", refusal, null, "This request cannot be made with this account's settings (fake)."));
            if (_inFlight.ContainsKey(key))
            {
                Interlocked.Increment(ref _conflicts);
                return Json(409, Error("invalid_request_error", "idempotency_key_in_use", null,
                    "There is currently another in-progress request using this Stripe-Idempotency-Key. Please try again later."));
            }
            if (_answers.TryGetValue(key, out var remembered)) return Json(remembered.Status, remembered.Body, replayed: true);

            var form = HttpUtility.ParseQueryString(request.Body ?? "");
            // Without confirm=true the intent waits for the browser (Stripe.js) to confirm it.
            var unconfirmed = form["confirm"] != "true";
            var intent = new Intent($"pi_fake_{Guid.NewGuid():N}", key, form["metadata[claim_id]"] ?? "", form["metadata[sale_id]"] ?? "",
                long.Parse(form["amount"] ?? "0"), form["currency"] ?? "", form["payment_method"] ?? "",
                unconfirmed ? null : DeclineCodeOf(form["payment_method"]), unconfirmed, form["metadata[attempt]"] ?? "0");
            _intents[intent.Id] = intent;
            answer = intent.Succeeded || intent.Unconfirmed
                ? (200, intent.ToJson())
                : (402, Error("card_error", "card_declined", intent.DeclineCode, "Your card was declined.", intent.ToJson()));
            // Stripe keeps the answer of a request that began executing, even a 500, and repeats it for the key.
            if (LoseAnswers) answer = (500, Error("api_error", null, null, "An unknown error occurred (fake)."));
            _answers[key] = answer;
            slow = TakeOne(ref _slowAnswers);
            if (Latency > TimeSpan.Zero) _inFlight[key] = true;
        }
        if (slow) await Task.Delay(SlowAnswerDelay);
        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency);
            _inFlight.TryRemove(key, out _);
        }
        return Json(answer.Status, answer.Body);
    }

    private IResponseMessage Search(IRequestMessage request)
    {
        var query = request.Query is { } q && q.TryGetValue("query", out var values) ? values.FirstOrDefault() ?? "" : "";
        var claimId = Regex.Match(query, @"metadata\['claim_id'\]:'([^']*)'").Groups[1].Value;
        var found = SearchIndexed ? _intents.Values.Where(i => i.ClaimId == claimId).Select(i => i.ToJson()) : [];
        return Json(200, $$"""{"object":"search_result","url":"/v1/payment_intents/search","has_more":false,"data":[{{string.Join(",", found)}}]}""");
    }

    private static bool TakeOne(ref int counter)
    {
        while (true)
        {
            var seen = Volatile.Read(ref counter);
            if (seen <= 0) return false;
            if (Interlocked.CompareExchange(ref counter, seen - 1, seen) == seen) return true;
        }
    }

    // Stripe's test payment methods (https://docs.stripe.com/testing#declined-payments).
    private static string? DeclineCodeOf(string? paymentMethod) => paymentMethod switch
    {
        "pm_card_visa" or "pm_card_mastercard" => null,
        "pm_card_chargeDeclinedInsufficientFunds" => "insufficient_funds",
        "pm_card_chargeDeclinedExpiredCard" => "expired_card",
        _ => "generic_decline",
    };

    private static string Error(string type, string? code, string? declineCode, string message, string? intentJson = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["error"] = new Dictionary<string, object?>
            {
                ["type"] = type, ["code"] = code, ["decline_code"] = declineCode, ["message"] = message,
                ["payment_intent"] = intentJson is null ? null : JsonDocument.Parse(intentJson).RootElement,
            },
        });

    private static ResponseMessage Json(int status, string body, bool replayed = false)
    {
        var response = new ResponseMessage
        {
            StatusCode = status,
            BodyData = new BodyData { BodyAsString = body, DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
        };
        response.AddHeader("Content-Type", "application/json");
        response.AddHeader("Request-Id", $"req_fake_{Guid.NewGuid():N}");
        if (replayed) response.AddHeader("Idempotent-Replayed", "true");
        return response;
    }

    public void Dispose() => _server.Stop();

    public sealed record Refunded(string Id, string Key, string PaymentIntentId, string ClaimId);

    public sealed record Intent(string Id, string IdempotencyKey, string ClaimId, string SaleId, long Amount, string Currency, string PaymentMethod,
        string? DeclineCode, bool Unconfirmed = false, string Attempt = "0")
    {
        public bool Succeeded => DeclineCode is null && !Unconfirmed;

        public string ClientSecret => Id + "_secret_fake";

        public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = Id, ["object"] = "payment_intent", ["amount"] = Amount, ["currency"] = Currency,
            ["status"] = Succeeded ? "succeeded" : "requires_payment_method",
            ["client_secret"] = ClientSecret,
            ["payment_method"] = PaymentMethod,
            ["metadata"] = new Dictionary<string, string> { ["claim_id"] = ClaimId, ["sale_id"] = SaleId, ["attempt"] = Attempt },
            ["last_payment_error"] = Succeeded || Unconfirmed ? null : new Dictionary<string, string?>
            {
                ["type"] = "card_error", ["code"] = "card_declined", ["decline_code"] = DeclineCode, ["message"] = "Your card was declined.",
            },
        });
    }
}
