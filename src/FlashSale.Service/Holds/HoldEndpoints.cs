using Dapper;
using FlashSale.Core;
using FlashSale.Service.Auth;
using FlashSale.Service.Claims;
using FlashSale.Service.Http;
using FlashSale.Service.Pool;
using FlashSale.Service.Sales;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace FlashSale.Service.Holds;

/// <summary>What a buyer does with a hold: give it up (<c>DELETE .../claims/{claimId}</c>).</summary>
public static class HoldEndpoints
{
    public static IEndpointRouteBuilder MapHoldEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapDelete("/sales/{saleId}/claims/{claimId}", ReleaseAsync).WithTags("Storefront").RequireAuthorization(Policies.Storefront)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>A held claim given up: <c>released</c>, its units back on sale at once. A repeat answers the same.</summary>
    private static async Task<Results<Ok<ClaimResponse>, ProblemHttpResult>> ReleaseAsync(
        string saleId, string claimId, NpgsqlDataSource db, StockReturns returns, ClaimReader claims, SaleStore sales, CancellationToken ct)
    {
        if (!Ids.IsSaleId(saleId)) return Problems.SaleNotFound();
        if (!Ids.IsClaimId(claimId)) return await sales.GetAsync(saleId, ct) is null ? Problems.SaleNotFound() : Problems.ClaimNotFound();
        await using (var conn = await db.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            var released = (await conn.QueryAsync<(string ClaimId, string SaleId, int Quantity)>(new CommandDefinition("""
                UPDATE claims SET status = 'released', failure_reason = 'released_by_buyer', updated_at = now()
                WHERE claim_id = @claimId AND sale_id = @saleId AND status = 'held'
                RETURNING claim_id, sale_id, quantity
                """, new { claimId, saleId }, tx, cancellationToken: ct))).AsList();
            if (released.Count == 1)
            {
                await HoldReturns.GiveBackAsync(conn, tx, released, ct);
                await tx.CommitAsync(ct);
            }
        }
        await returns.ApplyAsync([claimId], ct);

        var claim = await claims.FindAsync(saleId, claimId, ct);
        if (claim is null) return await sales.GetAsync(saleId, ct) is null ? Problems.SaleNotFound() : Problems.ClaimNotFound();
        if (claim.Status == ClaimStatus.Released) return TypedResults.Ok(claim);
        // Held in Redis but not yet recorded by a worker: nothing to give up in PostgreSQL yet.
        if (claim.Status == ClaimStatus.Held)
            return Problems.Of(StatusCodes.Status503ServiceUnavailable, ProblemCodes.DependencyUnavailable, "Dependency unavailable",
                "The hold is still being recorded; retry in a moment.");
        return Problems.ClaimNotHeld(claim.Status);
    }
}
