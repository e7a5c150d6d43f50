using FlashSale.Core;
using FlashSale.Service.Http;
using StackExchange.Redis;

namespace FlashSale.Service.WaitingRoom;

/// <summary>
/// <c>GET /sales/{saleId}/wait?ticket=&amp;return=</c>: the page a buyer's browser shows while they wait (CONTRACT.md,
/// Waiting room). No key: the ticket id in the link is the buyer's own secret, so the page sends no referrer that
/// would carry it elsewhere. Like the poll it is one Redis round trip and nothing from PostgreSQL.
/// </summary>
public static class WaitPageEndpoint
{
    public static RouteHandlerBuilder MapWaitPage(this IEndpointRouteBuilder app) =>
        app.MapGet("/sales/{saleId}/wait", RenderAsync).WithTags("Waiting room").AllowAnonymous()
            .Produces(StatusCodes.Status200OK, contentType: "text/html").ProducesValidationProblem()
            .Produces(StatusCodes.Status404NotFound, contentType: "text/html");

    private static async Task<IResult> RenderAsync(
        string saleId, HttpContext context, QueueRoom room, AdmissionTokens tokens, ReturnUrls returns, TimeProvider clock, ILogger<QueueRoom> logger,
        string? ticket = null, string? @return = null)
    {
        // A bad return link is the storefront's mistake, not the buyer's: said plainly, before anything is looked up.
        if (string.IsNullOrEmpty(@return)) return Problems.Invalid("return", "return (the storefront URL to send the buyer back to) is required.");
        var returnTo = returns.Allowed(@return);
        if (returnTo is null) return Problems.Invalid("return", "return must be an absolute URL on one of the storefront origins in FlashSale:WaitingRoom:ReturnOrigins.");

        Secure(context.Response);
        TicketState? state;
        try
        {
            state = Ids.IsSaleId(saleId) && Ids.IsTicketId(ticket) ? await room.PollAsync(saleId, ticket!) : null;
        }
        catch (RedisException e)
        {
            logger.LogWarning(e, "Waiting page could not read a ticket of sale {SaleId}", saleId);
            context.Response.Headers.RetryAfter = "5";
            return TypedResults.Content(WaitPageView.Unavailable(5), "text/html; charset=utf-8", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        if (state is null) return TypedResults.Content(WaitPageView.NotFound(), "text/html; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
        var view = TicketResponse.From(saleId, ticket!, state, tokens, clock.GetUtcNow().ToUnixTimeMilliseconds());
        return TypedResults.Content(WaitPageView.Ticket(view, state, returnTo), "text/html; charset=utf-8");
    }

    private static void Secure(HttpResponse response)
    {
        // The ticket id in this page's address and the token in its redirect are secrets: no referrer, no cache,
        // no framing, no script at all.
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-store";
        response.Headers.XFrameOptions = "DENY";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    }
}
