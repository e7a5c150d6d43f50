using System.Text.Json.Serialization;

namespace FlashSale.Service.WaitingRoom;

/// <summary>A ticket as the buyer polls it (CONTRACT.md, Waiting room). Unknown places are null, not left out.</summary>
public sealed record TicketResponse(
    string TicketId, string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? Position,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? AheadOfYou,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? EtaSeconds,
    bool SoldOut, string? AdmissionToken, DateTime? TokenExpiresAt, int PollAfterSeconds)
{
    /// <param name="nowMs">This process's clock, Unix milliseconds: only to pace the polling before the start.</param>
    public static TicketResponse From(string saleId, string ticketId, TicketState state, AdmissionTokens tokens, long nowMs)
    {
        var admitted = state.Status == "admitted";
        long? eta = state.Status switch
        {
            "admitted" or "used" => 0,
            "waiting" or "sold_out" when state.AheadOfYou is { } ahead && state.OutflowPerMinute > 0 =>
                (long)Math.Ceiling((ahead + 1) * 60d / state.OutflowPerMinute),
            _ => null,
        };
        // Pace the polling to how soon anything can change for this ticket: near the front often, far back rarely.
        var pollAfter = state.Status switch
        {
            "waiting" when state.Position is null && state.StartsAtMs > nowMs => BeforeTheStart(ticketId, state.StartsAtMs - nowMs),
            "waiting" when eta is { } e => (int)Math.Clamp(e / 10, 1, 30),
            "waiting" => 2,
            "admitted" => 5,
            _ => 10,
        };
        return new TicketResponse(ticketId, state.Status, state.Position, state.AheadOfYou, eta, state.SoldOut,
            admitted ? tokens.Issue(saleId, ticketId, state.TokenExpiresAtMs, state.UserId) : null,
            admitted ? DateTimeOffset.FromUnixTimeMilliseconds(state.TokenExpiresAtMs).UtcDateTime : null, pollAfter);
    }

    // Nothing changes for a pre-queue ticket until the start, when every one of them gets its place at once: a tenth
    // of the time left (5–30 s), never much past the start, and spread over a few seconds by the ticket so the whole
    // pre-queue does not come back in the same second after it.
    private static int BeforeTheStart(string ticketId, long untilStartMs)
    {
        var untilStart = (int)Math.Min(untilStartMs / 1000, int.MaxValue - 1);
        // A character of the id's random part, the same on every edge (Ids.NewTicketId: 16 random bytes in base64url,
        // whose last character carries only two bits of them, so the one before it).
        var spread = ticketId.Length < 2 ? 0 : ticketId[^2] % 5;
        return Math.Max(1, Math.Min(Math.Clamp(untilStart / 10, 5, 30), untilStart + 1)) + spread;
    }
}

/// <summary>The body of <c>POST /sales/{saleId}/queue</c>.</summary>
public sealed record JoinQueueRequest(string? UserId);

/// <summary>What anyone may check of a sale's shuffle (CONTRACT.md, Waiting room).</summary>
public sealed record FairnessResponse(
    string SaleId, DateTime QueueOpensAt, DateTime StartsAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Commitment,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Seed,
    string OrderRule);

public sealed record FairnessOrderPage(string[] Tickets, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Next);
