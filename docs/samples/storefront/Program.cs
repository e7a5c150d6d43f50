// A buyer's way through a sale, as a storefront's backend walks it with FlashSale.Client:
// claim (through the waiting room when the sale has one), pay for a hold, wait for the outcome.
//   dotnet run --project docs/samples/storefront -- --sale <saleId> --user u-123 [--card pm_card_visa]
//        [--url http://127.0.0.1:8080] [--key dev-storefront-key]
// Exit code: 0 paid, 1 not paid (sold out, declined, ...), 2 wrong arguments.
using FlashSale.Client;

var options = Arguments.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: Storefront --sale <saleId> --user <userId> [--card pm_...] [--url http://127.0.0.1:8080] [--key <storefront key>]");
    return 2;
}

using var http = new HttpClient { BaseAddress = new Uri(options.Url), Timeout = TimeSpan.FromSeconds(10) };
var storefront = new StorefrontClient(http, options.Key);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
var ct = stop.Token;

try
{
    var sale = await storefront.GetSaleAsync(options.Sale, ct);
    Console.WriteLine($"{sale.Name}: {sale.PriceCents / 100m:0.00} {sale.Currency.ToUpperInvariant()}, {sale.Status}, about {sale.Remaining} left");

    var claim = new ClaimRequest(options.User, 1, options.Card);
    ClaimAnswer answer;
    try
    {
        answer = await storefront.ClaimAsync(options.Sale, claim, ct: ct);
    }
    catch (FlashSaleProblemException e) when (e.Code == ProblemCodes.AdmissionRequired)
    {
        answer = await storefront.ClaimAsync(options.Sale, claim, await QueueAsync(storefront, options, ct), ct);
    }
    Console.WriteLine(answer.IsReplay ? $"claim {answer.ClaimId} (already yours): {answer.Status}" : $"claim {answer.ClaimId}: {answer.Status}");

    var current = await storefront.WaitUntilTerminalAsync(options.Sale, answer.ClaimId, orHeld: true, ct);
    if (current.Status == ClaimStatuses.Held)
    {
        Console.WriteLine($"held until {current.HoldExpiresAt:HH:mm:ss}; paying with {options.Card}");
        await storefront.CheckoutAsync(options.Sale, answer.ClaimId, options.Card, ct);
        current = await storefront.WaitUntilTerminalAsync(options.Sale, answer.ClaimId, orHeld: true, ct);
    }
    Console.WriteLine(current.Status switch
    {
        ClaimStatuses.Paid => $"paid: order {current.OrderId}",
        ClaimStatuses.Held => $"declined ({current.LastPaymentError}); {current.AttemptsLeft} attempts left while the hold lasts",
        _ => $"{current.Status}{(current.FailureReason is { } why ? $": {why}" : "")}",
    });
    return current.Status == ClaimStatuses.Paid ? 0 : 1;
}
catch (FlashSaleProblemException e)
{
    // A refusal changed nothing: tell the buyer why, by the contract's code.
    Console.WriteLine(e.Code switch
    {
        ProblemCodes.SoldOut => "sold out",
        ProblemCodes.SaleNotStarted => "not started yet",
        ProblemCodes.SaleEnded => "the sale has ended",
        ProblemCodes.SalePaused => "paused by the merchant; try again soon",
        _ => $"refused: {e.Code} ({e.Detail})",
    });
    return 1;
}

// The waiting room: join, poll at the pace the ticket asks for, and hand back the admission token.
static async Task<string> QueueAsync(StorefrontClient storefront, Arguments options, CancellationToken ct)
{
    var ticket = await storefront.JoinQueueAsync(options.Sale, options.User, ct);
    while (ticket.Status == "waiting")
    {
        Console.WriteLine($"in the queue: position {ticket.Position?.ToString() ?? "(drawn at the start)"}, about {ticket.EtaSeconds ?? 0} s");
        await Task.Delay(TimeSpan.FromSeconds(Math.Clamp(ticket.PollAfterSeconds, 1, 5)), ct);
        ticket = await storefront.PollQueueAsync(options.Sale, ticket.TicketId, ct);
    }
    if (ticket.AdmissionToken is null) throw new FlashSaleProblemException(409, ticket.SoldOut ? ProblemCodes.SoldOut : ticket.Status, "Not admitted", null, null, null);
    Console.WriteLine("admitted");
    return ticket.AdmissionToken;
}

internal sealed record Arguments(string Url, string Key, string Sale, string User, string Card)
{
    public static Arguments? Parse(string[] args)
    {
        var named = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) return null;
            named[args[i][2..]] = args[i + 1];
        }
        if (!named.TryGetValue("sale", out var sale) || !named.TryGetValue("user", out var user)) return null;
        return new Arguments(named.GetValueOrDefault("url", "http://127.0.0.1:8080"), named.GetValueOrDefault("key", "dev-storefront-key"),
            sale, user, named.GetValueOrDefault("card", "pm_card_visa"));
    }
}
