using System.Buffers;
using System.Text.Json;
using FlashSale.Core;
using FlashSale.Service.Auth;
using FlashSale.Service.Hosting;
using FlashSale.Service.Http;
using FlashSale.Service.Limits;
using FlashSale.Service.Ops;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using FlashSale.Service.Sales;
using FlashSale.Service.WaitingRoom;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlashSale.Service.Claims;

/// <summary>
/// <c>POST /sales/{saleId}/claims</c>, the request every buyer sends in the same second. It runs short-circuited:
/// routing calls it directly, and it does itself what the middleware pipeline does for the other endpoints
/// (correlation id, HTTP metrics, the API key, problem answers for exceptions), with the same outcomes. The
/// pipeline's six middlewares, the authentication handler built per request, its DI scope and the result
/// executors cost more CPU than the admit decision itself (docs/performance.md, target 1).
/// </summary>
public sealed class ClaimEndpoint(
    ApiKeys keys,
    ClaimLimiter limiter,
    AdmitScript admit,
    ReplicaAcks replicas,
    ClaimReader claims,
    SaleStore sales,
    AdmissionTokens tokens,
    TimeProvider clock,
    IEnumerable<IExceptionHandler> exceptionHandlers,
    ILogger<ClaimEndpoint> logger)
{
    private const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>What this endpoint does in place of each middleware of <see cref="RequestPipeline"/>, by its name.</summary>
    public static IReadOnlyDictionary<string, string> Mirrors { get; } = new Dictionary<string, string>
    {
        ["correlation-id"] = "CorrelationId.Assign at the start of HandleAsync",
        ["exception-handler"] = "FailAsync: the registered IExceptionHandlers write the problem",
        ["status-code-pages"] = "none needed: every answer it writes has a body",
        ["http-metrics"] = "HttpMetrics.Begin and End around the whole request",
        ["authentication"] = "ApiKeys.RoleOf in Authorize, with the handler's WWW-Authenticate challenge",
        ["authorization"] = "Authorize: the storefront role only (401 without a key, 403 for the admin key)",
    };

    private readonly IExceptionHandler[] _exceptionHandlers = exceptionHandlers.ToArray();

    // The answer is written into a per-thread buffer first, so it goes out with a Content-Length (no chunking).
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_json;

    // One async method for the whole common path (one state machine per claim); the rare answers that need
    // another round trip (a replay's status, a sale without a pool) have their own.
    public async Task HandleAsync(HttpContext context)
    {
        var correlationId = CorrelationId.Assign(context);
        var metrics = HttpMetrics.Begin(context);
        var entered = false;
        try
        {
            var refusal = Authorize(context);
            if (refusal is null)
            {
                refusal = limiter.Enter(context);
                entered = refusal is null;
            }
            if (refusal is null)
            {
                var ct = context.RequestAborted;
                var saleId = context.Request.RouteValues["saleId"] as string;
                if (saleId is null || !Ids.IsSaleId(saleId)) refusal = Problems.SaleNotFound();
                else
                {
                    var (body, problem) = await JsonBody.ReadAsync<ClaimRequest>(context.Request, ct);
                    refusal = problem ?? Check(saleId, body!);
                    if (refusal is null)
                    {
                        var started = clock.GetTimestamp();
                        // Checked here for its signature, sale and user; Redis decides, in the same step as the claim,
                        // whether this sale needs it and whether it is still unused and in time.
                        var admission = tokens.Check(context.Request.Headers[AdmissionTokens.Header], saleId, body!.UserId!);
                        var result = await admit.RunAsync(saleId, body.UserId!, body.Quantity ?? 1, body.PaymentMethodId, Ids.NewClaimId(), admission);
                        FlashSaleMetrics.AdmitDuration.Observe(clock.GetElapsedTime(started).TotalSeconds);
                        ClaimSeries.Record(saleId, result);
                        // A claim is only told it holds a unit (202, or 200 on a replay) once enough replicas hold it.
                        if (result.Outcome is "admitted" or "replay" && !await replicas.AcknowledgedAsync(result.Pool ?? saleId))
                            refusal = Problems.DependencyUnavailable("The claim is not yet safe on enough Redis replicas; retrying returns the same claim.");
                        else if (result.Outcome == "admitted" && result.HoldExpiresAtMs > 0) WriteHeld(context.Response, saleId, result);
                        else if (result.Outcome == "admitted") Write(context.Response, StatusCodes.Status202Accepted, saleId, result.ClaimId, ClaimStatus.Admitted);
                        else refusal = await AnswerAsync(context, saleId, result, ct);
                    }
                }
            }
            if (refusal is not null) await refusal.ExecuteAsync(context);
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            await FailAsync(context, e, correlationId);
        }
        finally
        {
            if (entered) limiter.Exit();
            metrics.End(context);
        }
    }

    // Only the storefront key may claim: no key or an unknown one is 401, the admin key 403.
    private IResult? Authorize(HttpContext context)
    {
        switch (keys.RoleOf(context.Request.Headers.Authorization))
        {
            case Policies.Storefront:
                return null;
            case null:
                context.Response.Headers.WWWAuthenticate = ApiKeyAuthenticationHandler.ChallengeFor(context.Request);
                return Problems.Unauthorized();
            default:
                return Problems.Forbidden();
        }
    }

    private IResult? Check(string saleId, ClaimRequest body)
    {
        var errors = ClaimRules.Validate(body.UserId, body.Quantity, body.PaymentMethodId);
        if (!errors.IsEmpty) return Problems.Invalid(errors.ToDictionary());
        return limiter.ForUser(saleId, body.UserId!);
    }

    /// <summary>Every outcome but a new admission: null when the answer is written, else the problem to write.</summary>
    private async Task<IResult?> AnswerAsync(HttpContext context, string saleId, AdmitResult result, CancellationToken ct)
    {
        switch (result.Outcome)
        {
            case "replay":
                var status = (await claims.FindAsync(saleId, result.ClaimId, ct))?.Status ?? ClaimStatus.Admitted;
                Write(context.Response, StatusCodes.Status200OK, saleId, result.ClaimId, status);
                return null;
            case "sold_out": return Conflict(ProblemCodes.SoldOut, "Sold out", "No units are left for this quantity.");
            case "admission_required":
                QueueSeries.Refused("missing");
                return Problems.Of(StatusCodes.Status403Forbidden, ProblemCodes.AdmissionRequired, "Admission required",
                    $"This sale has a waiting room: send the {AdmissionTokens.Header} header with the token of an admitted ticket.");
            case "admission_invalid" or "admission_unknown" or "admission_used" or "admission_expired":
                QueueSeries.Refused(result.Outcome == "admission_invalid" ? "invalid" : result.Outcome["admission_".Length..]);
                return Problems.Of(StatusCodes.Status403Forbidden, ProblemCodes.AdmissionInvalid, "Admission not valid",
                    "The admission token is expired, used, or not this user's for this sale.");
            case "sale_paused": return SalePaused();
            case "sale_ended": return SaleEnded();
            case "sale_not_started": return SaleNotStarted();
            case "invalid_quantity": return Problems.Invalid("quantity", "quantity must be at least 1 and at most the sale's perUserLimit.");
            case "payment_method_required": return Problems.Invalid("paymentMethodId", "paymentMethodId is required: this sale charges at once.");
            case "unverified": return Problems.DependencyUnavailable("The sale's inventory pool is being checked after a Redis failover or restart.");
            case "unknown":
                return Problems.DependencyUnavailable(
                    "Redis did not answer in time, so this claim may have been admitted. Retry with the same userId: a claim that was admitted " +
                    "is returned (200), and none is admitted twice.");
            default: return await NotPreloadedAsync(saleId, ct);
        }
    }

    // The sale has no pool in Redis: it is unknown, not yet preloaded, or Redis lost it.
    private async Task<IResult> NotPreloadedAsync(string saleId, CancellationToken ct)
    {
        var sale = await sales.GetAsync(saleId, ct);
        if (sale is null) return Problems.SaleNotFound();
        return SaleStatus.Effective(sale.Status, sale.StartsAt, sale.EndsAt, clock.GetUtcNow().UtcDateTime) switch
        {
            SaleStatus.Scheduled => SaleNotStarted(),
            SaleStatus.Ended or SaleStatus.Closed => SaleEnded(),
            SaleStatus.Paused => SalePaused(),
            _ => Problems.DependencyUnavailable("The sale's inventory pool is not available right now."),
        };
    }

    // Made per answer: the problem writer adds the request's traceId to the instance it is given.
    private static ProblemHttpResult SaleNotStarted() => Conflict(ProblemCodes.SaleNotStarted, "Sale not started", "This sale has not started yet.");
    private static ProblemHttpResult SaleEnded() => Conflict(ProblemCodes.SaleEnded, "Sale ended", "This sale has ended.");
    private static ProblemHttpResult SalePaused() => Conflict(ProblemCodes.SalePaused, "Sale paused", "The merchant paused this sale; try again later.");

    private static ProblemHttpResult Conflict(string code, string title, string detail) =>
        Problems.Of(StatusCodes.Status409Conflict, code, title, detail);

    /// <summary>The <see cref="ClaimAccepted"/> answer, as the JSON serializer writes it.</summary>
    private static void Write(HttpResponse response, int statusCode, string saleId, string claimId, string status)
    {
        var statusUrl = $"/sales/{saleId}/claims/{claimId}";
        var json = StartAnswer(out var buffer);
        json.WriteStartObject();
        json.WriteString("claimId", claimId);
        json.WriteString("status", status);
        json.WriteString("statusUrl", statusUrl);
        json.WriteEndObject();
        json.Flush();
        Send(response, statusCode, statusUrl, buffer);
    }

    // A claim admitted into a hold sale: its units are the buyer's until holdExpiresAt, to pay through checkout.
    private static void WriteHeld(HttpResponse response, string saleId, in AdmitResult result)
    {
        var statusUrl = $"/sales/{saleId}/claims/{result.ClaimId}";
        var json = StartAnswer(out var buffer);
        json.WriteStartObject();
        json.WriteString("claimId", result.ClaimId);
        json.WriteString("status", ClaimStatus.Held);
        json.WriteString("holdExpiresAt", DateTimeOffset.FromUnixTimeMilliseconds(result.HoldExpiresAtMs).UtcDateTime);
        json.WriteString("statusUrl", statusUrl);
        json.WriteString("checkoutUrl", statusUrl + "/checkout");
        json.WriteEndObject();
        json.Flush();
        Send(response, StatusCodes.Status202Accepted, statusUrl, buffer);
    }

    private static Utf8JsonWriter StartAnswer(out ArrayBufferWriter<byte> buffer)
    {
        buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        var json = t_json ??= new Utf8JsonWriter(buffer);
        json.Reset(buffer);
        return json;
    }

    private static void Send(HttpResponse response, int statusCode, string statusUrl, ArrayBufferWriter<byte> buffer)
    {
        response.StatusCode = statusCode;
        if (statusCode == StatusCodes.Status202Accepted) response.Headers.Location = statusUrl;
        response.ContentType = JsonContentType;
        response.ContentLength = buffer.WrittenCount;
        // Copied into the response's pipe before any await, so the per-thread buffer is free again.
        response.BodyWriter.Write(buffer.WrittenSpan);
    }

    /// <summary>What the exception handler middleware does for the other endpoints, before the answer has started.</summary>
    private async Task FailAsync(HttpContext context, Exception exception, string correlationId)
    {
        if (exception is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody reads an answer.
            if (!context.Response.HasStarted) context.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
            return;
        }
        context.Response.Clear();
        context.Response.Headers[CorrelationId.Header] = correlationId;
        using (CorrelationId.BeginScope(logger, correlationId))
        {
            foreach (var handler in _exceptionHandlers)
            {
                if (await handler.TryHandleAsync(context, exception, context.RequestAborted)) return;
            }
            logger.LogError(exception, "Claim request failed");
        }
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
    }
}
