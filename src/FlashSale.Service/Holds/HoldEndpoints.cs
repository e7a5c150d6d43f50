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

/// <summary>What a buyer does with a hold: pay for it (<c>POST .../checkout</c>) or give it up (<c>DELETE .../claims/{claimId}</c>).</summary>
public static class HoldEndpoints
{
    public static IEndpointRouteBuilder MapHoldEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/sales/{saleId}/claims/{claimId}/checkout", CheckoutAsync).WithTags("Storefront").RequireAuthorization(Policies.Storefront)
            .WithJsonBody<CheckoutRequest>().Produces<ClaimResponse>(StatusCodes.Status202Accepted).Produces<ClientCheckoutResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        app.MapDelete("/sales/{saleId}/claims/{claimId}", ReleaseAsync).WithTags("Storefront").RequireAuthorization(Policies.Storefront)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>
    /// Server-side confirm (<c>paymentMethodId</c>): the service charges it; the outcome is the claim's status. Client
    /// confirm (<c>confirm: "client"</c>): a PaymentIntent for the browser, whose outcome arrives by webhook.
    /// </summary>
    private static async Task<IResult> CheckoutAsync(
        string saleId, string claimId, HttpRequest request, HoldCheckout checkout, ClaimReader claims, CancellationToken ct)
    {
        if (!Ids.IsSaleId(saleId)) return Problems.SaleNotFound();
        if (!Ids.IsClaimId(claimId)) return await claims.NotFoundAsync(saleId, ct);
        var (body, problem) = await JsonBody.ReadAsync<CheckoutRequest>(request, ct);
        if (problem is not null) return problem;
        if (body!.Confirm is not null)
        {
            if (body.Confirm != "client") return Problems.Invalid("confirm", "confirm must be \"client\".");
            if (body.PaymentMethodId is not null) return Problems.Invalid("paymentMethodId", "Send either paymentMethodId or confirm, not both.");
            var (intent, held, refused) = await checkout.StartClientAsync(saleId, claimId, ct);
            if (refused is not null && held is null && await claims.FindAsync(saleId, claimId, ct) is null) return await claims.NotFoundAsync(saleId, ct);
            return refused ?? TypedResults.Ok(intent);
        }
        var errors = new ValidationErrors();
        ClaimRules.ValidatePaymentMethod(body.PaymentMethodId, errors);
        if (!errors.IsEmpty) return Problems.Invalid(errors.ToDictionary());

        var (claim, refusal) = await checkout.StartAsync(saleId, claimId, body.PaymentMethodId!, ct);
        // Not in PostgreSQL: held in Redis and not yet recorded (retry), or no such claim.
        if (refusal is not null && claim is null && await claims.FindAsync(saleId, claimId, ct) is null)
            return await claims.NotFoundAsync(saleId, ct);
        if (refusal is not null) return refusal;
        return TypedResults.Json(claim!.ToResponse(), statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>A held claim given up: <c>released</c>, its units back on sale at once. A repeat answers the same.</summary>
    private static async Task<Results<Ok<ClaimResponse>, ProblemHttpResult>> ReleaseAsync(
        string saleId, string claimId, NpgsqlDataSource db, StockReturns returns, ClaimReader claims, CancellationToken ct)
    {
        if (!Ids.IsSaleId(saleId)) return Problems.SaleNotFound();
        if (!Ids.IsClaimId(claimId)) return await claims.NotFoundAsync(saleId, ct);
        List<(string ClaimId, string SaleId, int Quantity)> released;
        await using (var conn = await db.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            released = (await conn.QueryAsync<(string ClaimId, string SaleId, int Quantity)>(new CommandDefinition("""
                UPDATE claims SET status = 'released', failure_reason = 'released_by_buyer', updated_at = now()
                WHERE claim_id = @claimId AND sale_id = @saleId AND status = 'held'
                RETURNING claim_id, sale_id, quantity
                """, new { claimId, saleId }, tx, cancellationToken: ct))).AsList();
            await StockReturns.GiveBackAsync(conn, tx, released, ct);
            await tx.CommitAsync(ct);
        }
        // A repeat finds nothing to give back here; an earlier release cut short is the reconciler's to finish.
        if (released.Count == 1) await returns.ApplyAsync([claimId], ct);

        var claim = await claims.FindAsync(saleId, claimId, ct);
        if (claim is null) return await claims.NotFoundAsync(saleId, ct);
        if (claim.Status == ClaimStatus.Released) return TypedResults.Ok(claim);
        // Held in Redis but not yet recorded by a worker: nothing to give up in PostgreSQL yet.
        if (claim.Status == ClaimStatus.Held)
            return Problems.Of(StatusCodes.Status503ServiceUnavailable, ProblemCodes.DependencyUnavailable, "Dependency unavailable",
                "The hold is still being recorded; retry in a moment.");
        return Problems.ClaimNotHeld(claim.Status);
    }
}
