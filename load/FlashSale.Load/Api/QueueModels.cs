namespace FlashSale.Load.Api;

/// <summary>A waiting-room ticket as the service answers a join or a poll (CONTRACT.md, Waiting room).</summary>
public sealed record TicketView(
    string TicketId, string Status, long? Position, long? AheadOfYou, long? EtaSeconds, bool SoldOut,
    string? AdmissionToken, DateTime? TokenExpiresAt, int PollAfterSeconds);

/// <summary>What a join or a poll got back: the ticket, or why not.</summary>
/// <param name="HttpStatus">0 when no answer came (timeout, connection refused).</param>
public readonly record struct TicketAnswer(int HttpStatus, TicketView? Ticket, string? Code);

/// <summary><c>GET /sales/{saleId}/fairness</c>: the commitment from the queue's opening, the seed from the start.</summary>
public sealed record FairnessView(string SaleId, DateTime QueueOpensAt, DateTime StartsAt, string? Commitment, string? Seed, string? OrderRule);

/// <summary>One page of <c>GET /sales/{saleId}/fairness/order</c>.</summary>
public sealed record FairnessOrderPage(string[] Tickets, string? Next);

/// <summary>The waiting room of a sale the rehearsal creates (the sale's <c>waitingRoom</c> member).</summary>
public sealed record WaitingRoomPlan(DateTimeOffset StartsAt, int PrequeueMinutes, int OutflowPerMinute, int TokenSeconds);
