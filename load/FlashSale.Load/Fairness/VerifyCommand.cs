using FlashSale.Load.Api;
using FlashSale.Load.Cli;

namespace FlashSale.Load.Fairness;

/// <summary>
/// <c>FlashSale.Load verify --url URL --sale ID</c>: anyone's check of a waiting-room sale's shuffle. Prints what it
/// read and whether it holds; exits 0 when verified, 27 on any mismatch, 4 before the seed is revealed.
/// </summary>
public static class VerifyCommand
{
    public const string Usage = """
        FlashSale verify: checks a waiting-room sale's shuffle from what the service publishes.

        Usage: FlashSale.Load verify --url URL --sale ID [--storefront-key KEY]
                                                 (make rehearse ARGS="verify --sale sale_...")

          --url URL                 service base address            [http://127.0.0.1:8080]
          --sale ID                 the waiting-room sale (required)
          --storefront-key KEY      sent along; the fairness endpoints need no key
          --help

        Checks: the commitment shown from the queue's opening is hex SHA-256 of the seed revealed at the start, and
        the order served by GET /sales/{id}/fairness/order (every page) is the pre-queue's tickets sorted by
        hex SHA-256(seed bytes || UTF-8 ticketId), ascending.
        Exit codes: 0 verified; 27 a mismatch; 4 the seed is not revealed yet; 3 the sale could not be read; 2 bad flags.
        """;

    public sealed record Options(Uri Url, string? SaleId, string? StorefrontKey);

    public static async Task<int> MainAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken ct)
    {
        var (options, error) = Parse(args);
        if (options is null)
        {
            if (error is null)
            {
                output.WriteLine(Usage);
                return ExitCodes.Passed;
            }
            await Console.Error.WriteLineAsync($"{error} (verify --help lists the flags)");
            return ExitCodes.Usage;
        }
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
        var o = new Options(new Uri("http://127.0.0.1:8080/"), null, null);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h") return (null, null);
            if (!arg.StartsWith("--", StringComparison.Ordinal)) return (null, $"Unexpected argument '{arg}'.");
            string name, value;
            var eq = arg.IndexOf('=');
            if (eq > 0) (name, value) = (arg[2..eq], arg[(eq + 1)..]);
            else
            {
                if (i + 1 >= args.Count) return (null, $"Flag {arg} needs a value.");
                (name, value) = (arg[2..], args[++i]);
            }
            switch (name)
            {
                case "url" when Uri.TryCreate(value.TrimEnd('/') + "/", UriKind.Absolute, out var url):
                    o = o with { Url = url };
                    break;
                case "url":
                    return (null, $"--url {value} is not an absolute address.");
                case "sale":
                    o = o with { SaleId = value };
                    break;
                case "storefront-key":
                    o = o with { StorefrontKey = value };
                    break;
                default:
                    return (null, $"Unknown flag --{name} for verify.");
            }
        }
        return o.SaleId is null ? (null, "verify needs --sale ID.") : (o, null);
    }
}
