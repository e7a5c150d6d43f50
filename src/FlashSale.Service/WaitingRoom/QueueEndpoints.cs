using FlashSale.Core;
using FlashSale.Service.Auth;
using FlashSale.Service.Http;
using FlashSale.Service.Sales;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlashSale.Service.WaitingRoom;

public static class QueueEndpoints
{
    public static RouteGroupBuilder MapQueueEndpoints(this IEndpointRouteBuilder app)
    {
        var queue = app.MapGroup("/sales/{saleId}/queue").WithTags("Waiting room").RequireAuthorization(Policies.Storefront);
        queue.MapPost("/", JoinAsync).WithJsonBody<JoinQueueRequest>()
            .Produces<TicketResponse>(StatusCodes.Status201Created).Produces<TicketResponse>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        queue.MapGet("/{ticketId}", PollAsync);
        return queue;
    }

    private static async Task<IResult> JoinAsync(
        string saleId, HttpRequest request, RoomSales sales, QueueRoom room, AdmissionTokens tokens, TimeProvider clock, CancellationToken ct)
    {
        if (!Ids.IsSaleId(saleId)) return Problems.SaleNotFound();
        var (body, problem) = await JsonBody.ReadAsync<JoinQueueRequest>(request, ct);
        if (problem is not null) return problem;
        var errors = ClaimRules.Validate(body!.UserId, null, null);
        if (!errors.IsEmpty) return Problems.Invalid(errors.ToDictionary());

        var sale = await sales.GetAsync(saleId, ct);
        if (sale is null) return Problems.SaleNotFound();
        if (!sale.WaitingRoom) return NoWaitingRoom();
        var (outcome, ticketId) = await room.JoinAsync(sale, body.UserId!, Ids.NewTicketId());
        switch (outcome)
        {
            case "not_open":
                return Problems.Of(StatusCodes.Status409Conflict, ProblemCodes.SaleNotStarted, "Queue not open",
                    $"The waiting room opens at {sale.QueueOpensAt:O}.");
            case "ended":
                return Problems.Of(StatusCodes.Status409Conflict, ProblemCodes.SaleEnded, "Sale ended", "This sale has ended.");
        }
        var state = await room.PollAsync(saleId, ticketId);
        if (state is null) return Problems.DependencyUnavailable("The ticket was taken but could not be read back; retrying returns it.");
        var view = TicketResponse.From(saleId, ticketId, state, tokens, clock.GetUtcNow().ToUnixTimeMilliseconds());
        var url = $"/sales/{saleId}/queue/{ticketId}";
        return outcome == "created" ? TypedResults.Created(url, view) : TypedResults.Ok(view);
    }

    /// <summary>One Redis round trip, nothing from PostgreSQL: the request every waiting buyer repeats.</summary>
    private static async Task<Results<Ok<TicketResponse>, ProblemHttpResult>> PollAsync(
        string saleId, string ticketId, QueueRoom room, AdmissionTokens tokens, TimeProvider clock)
    {
        if (!Ids.IsSaleId(saleId)) return Problems.SaleNotFound();
        var state = Ids.IsTicketId(ticketId) ? await room.PollAsync(saleId, ticketId) : null;
        if (state is null) return Problems.Of(StatusCodes.Status404NotFound, ProblemCodes.TicketNotFound, "Ticket not found", "This sale has no ticket with this id.");
        return TypedResults.Ok(TicketResponse.From(saleId, ticketId, state, tokens, clock.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    internal static ProblemHttpResult NoWaitingRoom() =>
        Problems.Of(StatusCodes.Status404NotFound, ProblemCodes.NotFound, "No waiting room", "This sale has no waiting room.");
}
