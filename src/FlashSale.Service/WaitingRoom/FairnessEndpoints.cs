using FlashSale.Core;
using FlashSale.Service.Http;
using FlashSale.Service.Sales;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlashSale.Service.WaitingRoom;

/// <summary>
/// The shuffle, for anyone to check: no key needed. The commitment from the queue's opening; the seed, and the order
/// it made, once the pre-queue is shuffled (which waits for the start by Redis's clock, when no ticket can join it).
/// </summary>
public static class FairnessEndpoints
{
    public const string OrderRule = "pre-queue tickets sorted by hex SHA-256(seed bytes || UTF-8 ticketId), ascending; later tickets follow in arrival order";

    public static RouteGroupBuilder MapFairnessEndpoints(this IEndpointRouteBuilder app)
    {
        var fairness = app.MapGroup("/sales/{saleId}/fairness").WithTags("Waiting room").AllowAnonymous();
        fairness.MapGet("/", GetAsync);
        fairness.MapGet("/order", OrderAsync);
        return fairness;
    }

    private static async Task<Results<Ok<FairnessResponse>, ProblemHttpResult>> GetAsync(
        string saleId, SaleStore store, ShuffleSeeds seeds, QueueRoom room, TimeProvider clock, CancellationToken ct)
    {
        var (sale, problem) = await FindAsync(saleId, store, ct);
        if (problem is not null) return problem;
        var now = clock.GetUtcNow().UtcDateTime;
        var seed = now >= sale!.QueueOpensAt ? await seeds.GetAsync(saleId, ct) : null;
        var revealed = seed is not null && now >= sale.StartsAt && await room.IsShuffledAsync(saleId);
        return TypedResults.Ok(new FairnessResponse(saleId, sale.QueueOpensAt, sale.StartsAt,
            seed is null ? null : ShuffleSeeds.Commitment(seed), revealed ? Convert.ToHexStringLower(seed!) : null, OrderRule));
    }

    private static async Task<IResult> OrderAsync(
        string saleId, SaleStore store, QueueRoom room, TimeProvider clock, CancellationToken ct, string? after = null, int? limit = null)
    {
        if (limit is < 1 or > 1000) return Problems.Invalid("limit", "limit must be between 1 and 1000.");
        var (sale, problem) = await FindAsync(saleId, store, ct);
        if (problem is not null) return problem;
        if (!await room.IsShuffledAsync(saleId))
        {
            return clock.GetUtcNow().UtcDateTime < sale!.StartsAt
                ? Problems.Of(StatusCodes.Status409Conflict, ProblemCodes.SaleNotStarted, "Sale not started", "The order is made, and shown, at the start.")
                : Problems.DependencyUnavailable("The pre-queue is being shuffled; the order is shown in a moment.");
        }
        var page = await room.OrderPageAsync(saleId, string.IsNullOrEmpty(after) ? null : after, limit ?? 100);
        if (page is null) return Problems.Invalid("after", "after must be a ticket id of this sale's pre-queue.");
        var (tickets, more) = page.Value;
        return TypedResults.Ok(new FairnessOrderPage(tickets, more ? tickets[^1] : null));
    }

    private static async Task<(SaleRow? Sale, ProblemHttpResult? Problem)> FindAsync(string saleId, SaleStore store, CancellationToken ct)
    {
        if (!Ids.IsSaleId(saleId)) return (null, Problems.SaleNotFound());
        var sale = await store.GetAsync(saleId, ct);
        if (sale is null) return (null, Problems.SaleNotFound());
        return sale.WaitingRoom ? (sale, null) : (null, QueueEndpoints.NoWaitingRoom());
    }
}
