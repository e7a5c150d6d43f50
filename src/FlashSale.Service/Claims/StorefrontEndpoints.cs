using FlashSale.Core;
using FlashSale.Service.Auth;
using FlashSale.Service.Http;
using FlashSale.Service.Limits;
using FlashSale.Service.Ops;
using FlashSale.Service.Sales;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlashSale.Service.Claims;

public static class StorefrontEndpoints
{
    public static RouteGroupBuilder MapStorefrontEndpoints(this IEndpointRouteBuilder app)
    {
        var sales = app.MapGroup("/sales/{saleId}").WithTags("Storefront").RequireAuthorization(Policies.Storefront);
        sales.MapGet("/", GetSaleAsync);
        sales.MapPost("/claims", ClaimAsync).WithJsonBody<ClaimRequest>()
            .Produces<ClaimAccepted>(StatusCodes.Status202Accepted).Produces<ClaimAccepted>()
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        sales.MapGet("/claims/{claimId}", GetClaimAsync);
        return sales;
    }

    private static async Task<Results<Ok<PublicSaleResponse>, ProblemHttpResult>> GetSaleAsync(
        string saleId, SaleStore store, SalePool pool, TimeProvider clock, CancellationToken ct)
    {
        if (!Ids.IsSaleId(saleId)) return Problems.SaleNotFound();
        var sale = await store.GetAsync(saleId, ct);
        if (sale is null) return Problems.SaleNotFound();
        var counts = await pool.CountsAsync(saleId);
        var status = SaleStatus.Effective(sale.Status, sale.StartsAt, sale.EndsAt, clock.GetUtcNow().UtcDateTime);
        return TypedResults.Ok(new PublicSaleResponse(sale.SaleId, sale.Name, sale.PriceCents, sale.Currency,
            sale.StartsAt, sale.EndsAt, status, counts?.Remaining ?? sale.Stock, sale.PerUserLimit));
    }

    private static async Task<IResult> ClaimAsync(
        string saleId, HttpRequest request, ClaimLimiter limiter, AdmitScript admit, ClaimReader claims, SaleStore sales,
        TimeProvider clock, CancellationToken ct)
    {
        if (limiter.Enter(request.HttpContext) is { } refused) return refused;
        try
        {
            return await AdmitAsync(saleId, request, limiter, admit, claims, sales, clock, ct);
        }
        finally
        {
            limiter.Exit();
        }
    }

    private static async Task<IResult> AdmitAsync(
        string saleId, HttpRequest request, ClaimLimiter limiter, AdmitScript admit, ClaimReader claims, SaleStore sales,
        TimeProvider clock, CancellationToken ct)
    {
        if (!Ids.IsSaleId(saleId)) return Problems.SaleNotFound();
        var (body, problem) = await JsonBody.ReadAsync<ClaimRequest>(request, ct);
        if (problem is not null) return problem;
        var errors = ClaimRules.Validate(body!.UserId, body.Quantity, body.PaymentMethodId);
        if (!errors.IsEmpty) return Problems.Invalid(errors.ToDictionary());
        if (limiter.ForUser(saleId, body.UserId!) is { } limited) return limited;

        var started = clock.GetTimestamp();
        var result = await admit.RunAsync(saleId, body.UserId!, body.Quantity ?? 1, body.PaymentMethodId!, Ids.NewClaimId(), clock.GetUtcNow());
        FlashSaleMetrics.AdmitDuration.Observe(clock.GetElapsedTime(started).TotalSeconds);
        FlashSaleMetrics.Claims.WithLabels(saleId, result.Outcome).Inc();
        if (result.Remaining >= 0) FlashSaleMetrics.StockRemaining.WithLabels(saleId).Set(result.Remaining);

        var statusUrl = $"/sales/{saleId}/claims/{result.ClaimId}";
        return result.Outcome switch
        {
            "admitted" => TypedResults.Accepted(statusUrl, new ClaimAccepted(result.ClaimId, ClaimStatus.Admitted, statusUrl)),
            "replay" => TypedResults.Ok(new ClaimAccepted(result.ClaimId,
                (await claims.FindAsync(saleId, result.ClaimId, ct))?.Status ?? ClaimStatus.Admitted, statusUrl)),
            "sold_out" => Conflict(ProblemCodes.SoldOut, "Sold out", "No units are left for this quantity."),
            "sale_paused" => Conflict(ProblemCodes.SalePaused, "Sale paused", "The merchant paused this sale; try again later."),
            "sale_ended" => Conflict(ProblemCodes.SaleEnded, "Sale ended", "This sale has ended."),
            "sale_not_started" => Conflict(ProblemCodes.SaleNotStarted, "Sale not started", "This sale has not started yet."),
            "invalid_quantity" => Problems.Invalid("quantity", "quantity must be at least 1 and at most the sale's perUserLimit."),
            _ => await NotPreloadedAsync(saleId, sales, clock, ct),
        };
    }

    // The sale has no pool in Redis: it is unknown, not yet preloaded, or Redis lost it.
    private static async Task<IResult> NotPreloadedAsync(string saleId, SaleStore sales, TimeProvider clock, CancellationToken ct)
    {
        var sale = await sales.GetAsync(saleId, ct);
        if (sale is null) return Problems.SaleNotFound();
        return SaleStatus.Effective(sale.Status, sale.StartsAt, sale.EndsAt, clock.GetUtcNow().UtcDateTime) switch
        {
            SaleStatus.Scheduled => Conflict(ProblemCodes.SaleNotStarted, "Sale not started", "This sale has not started yet."),
            SaleStatus.Ended or SaleStatus.Closed => Conflict(ProblemCodes.SaleEnded, "Sale ended", "This sale has ended."),
            SaleStatus.Paused => Conflict(ProblemCodes.SalePaused, "Sale paused", "The merchant paused this sale; try again later."),
            _ => Problems.DependencyUnavailable("The sale's inventory pool is not available right now."),
        };
    }

    private static ProblemHttpResult Conflict(string code, string title, string detail) =>
        Problems.Of(StatusCodes.Status409Conflict, code, title, detail);

    private static async Task<Results<Ok<ClaimResponse>, ProblemHttpResult>> GetClaimAsync(
        string saleId, string claimId, ClaimReader claims, SaleStore sales, CancellationToken ct)
    {
        if (!Ids.IsSaleId(saleId)) return Problems.SaleNotFound();
        var claim = Ids.IsClaimId(claimId) ? await claims.FindAsync(saleId, claimId, ct) : null;
        if (claim is not null) return TypedResults.Ok(claim);
        // Name the id that is unknown: the sale's first, whatever the claim id looks like.
        return await sales.GetAsync(saleId, ct) is null ? Problems.SaleNotFound() : Problems.ClaimNotFound();
    }
}
