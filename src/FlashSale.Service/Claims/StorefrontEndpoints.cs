using FlashSale.Core;
using FlashSale.Service.Auth;
using FlashSale.Service.Http;
using FlashSale.Service.Pool;
using FlashSale.Service.Sales;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlashSale.Service.Claims;

public static class StorefrontEndpoints
{
    public static RouteGroupBuilder MapStorefrontEndpoints(this IEndpointRouteBuilder app)
    {
        var sales = app.MapGroup("/sales/{saleId}").WithTags("Storefront");
        sales.MapGet("/", GetSaleAsync).RequireAuthorization(Policies.Storefront);
        // Checks the storefront key itself: a short-circuited endpoint runs before the authorization middleware.
        var claim = app.ServiceProvider.GetRequiredService<ClaimEndpoint>();
        sales.MapPost("/claims", (Delegate)claim.HandleAsync).WithJsonBody<ClaimRequest>()
            .Produces<ClaimAccepted>(StatusCodes.Status202Accepted).Produces<ClaimAccepted>()
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable).ShortCircuit();
        sales.MapGet("/claims/{claimId}", GetClaimAsync).RequireAuthorization(Policies.Storefront);
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

    private static async Task<Results<Ok<ClaimResponse>, ProblemHttpResult>> GetClaimAsync(
        string saleId, string claimId, ClaimReader claims, CancellationToken ct)
    {
        if (!Ids.IsSaleId(saleId)) return Problems.SaleNotFound();
        var claim = Ids.IsClaimId(claimId) ? await claims.FindAsync(saleId, claimId, ct) : null;
        if (claim is not null) return TypedResults.Ok(claim);
        // Name the id that is unknown: the sale's first, whatever the claim id looks like.
        return await claims.NotFoundAsync(saleId, ct);
    }
}
