using System.CommandLine;
using FlashSale.Load.Api;
using FlashSale.Load.Cli;

namespace FlashSale.Load.Fairness;

/// <summary>
/// <c>FlashSale.Load verify --url URL --sale ID</c>: anyone's check of a waiting-room sale's shuffle. Prints what it
/// read and whether it holds; exits 0 when verified, 27 on any mismatch, 4 before the seed is revealed.
/// </summary>
public static class VerifyCommand
{
    public sealed record Options(Uri Url, string? SaleId, string? StorefrontKey);

    private const string Description = """
        Checks a waiting-room sale's shuffle from what the service publishes (make rehearse ARGS="verify --sale sale_...").
        The commitment shown from the queue's opening is hex SHA-256 of the seed revealed at the start, and the order
        served by GET /sales/{id}/fairness/order (every page) is the pre-queue's tickets sorted by
        hex SHA-256(seed bytes || UTF-8 ticketId), ascending.
        Exit codes: 0 verified; 27 a mismatch; 4 the seed is not revealed yet; 3 the sale could not be read; 2 bad flags.
        """;

    private sealed class Flags
    {
        public readonly Option<Uri> Url = new("--url")
        {
            Description = "service base address", DefaultValueFactory = _ => new Uri("http://127.0.0.1:8080/"),
            CustomParser = r =>
            {
                if (Uri.TryCreate(r.Tokens.Single().Value.TrimEnd('/') + "/", UriKind.Absolute, out var url)) return url;
                r.AddError($"--url {r.Tokens.Single().Value} is not an absolute address.");
                return null;
            },
        };
        public readonly Option<string> Sale = new("--sale") { Description = "the waiting-room sale", Required = true };
        public readonly Option<string> StorefrontKey = new("--storefront-key") { Description = "sent along; the fairness endpoints need no key" };

        public Command Command()
        {
            var command = new Command("verify", Description) { Url, Sale, StorefrontKey };
            command.SetAction((p, ct) => RunAsync(Bind(p), Console.Out, ct));
            return command;
        }

        public Options Bind(ParseResult p) => new(p.GetValue(Url)!, p.GetValue(Sale), p.GetValue(StorefrontKey));
    }

    /// <summary>The <c>verify</c> subcommand of the rehearsal's command line.</summary>
    public static Command Build() => new Flags().Command();

    public static async Task<int> MainAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken ct)
    {
        var (options, error) = Parse(args);
        if (options is null)
        {
            await Console.Error.WriteLineAsync($"{error} (verify --help lists the flags)");
            return ExitCodes.Usage;
        }
        return await RunAsync(options, output, ct);
    }

    private static async Task<int> RunAsync(Options options, TextWriter output, CancellationToken ct)
    {
        using var api = new FairnessApi(options.Url, options.StorefrontKey);
        Verification verification;
        try
        {
            verification = await FairnessVerifier.VerifyAsync(api, options.SaleId!, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SetupException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            output.WriteLine($"verify could not read sale {options.SaleId} at {options.Url}: {e.Message}");
            return ExitCodes.SetupFailed;
        }
        return Print(verification, options, output);
    }

    public static int Print(Verification v, Options options, TextWriter output)
    {
        output.WriteLine($"sale        {v.View.SaleId} at {options.Url}");
        output.WriteLine($"queue opens {v.View.QueueOpensAt:u}, starts {v.View.StartsAt:u}");
        output.WriteLine($"commitment  {v.View.Commitment ?? "(not shown yet)"}");
        output.WriteLine($"seed        {v.View.Seed ?? "(not revealed yet)"}");
        if (v.Check.SeedRevealed)
        {
            output.WriteLine($"SHA-256(seed) equals the commitment: {(v.Check.CommitmentMatches ? "yes" : "NO")}");
            output.WriteLine($"order       {v.Order.Count:N0} tickets; sorted by hex SHA-256(seed || ticketId): " +
                             (v.Check.OrderMatches ? "yes" : $"NO ({v.Check.Mismatched:N0} positions differ, the first at {v.Check.FirstMismatch})"));
        }
        foreach (var problem in v.Check.Problems) output.WriteLine($"  - {problem}");
        if (v.Check.Passed)
        {
            output.WriteLine("VERIFIED: the order is the shuffle the committed seed gives");
            return ExitCodes.Passed;
        }
        output.WriteLine(v.Check.SeedRevealed ? "NOT VERIFIED" : "NOT VERIFIED YET: run it again after the start");
        return v.Check.SeedRevealed ? ExitCodes.FairnessBroken : ExitCodes.NotRevealed;
    }

    public static (Options? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var flags = new Flags();
        var parsed = new RootCommand { flags.Command() }.Parse(["verify", .. args]);
        return parsed.Errors.Count > 0 ? (null, string.Join(" ", parsed.Errors.Select(e => e.Message))) : (flags.Bind(parsed), null);
    }
}
