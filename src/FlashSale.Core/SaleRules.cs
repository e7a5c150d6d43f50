using System.Text.RegularExpressions;

namespace FlashSale.Core;

/// <summary>The contract's rules for a new sale.</summary>
public static partial class SaleRules
{
    public const int MaxStock = 10_000_000;
    public const int MaxPerUserLimit = 100;
    public const int MaxNameLength = 200;

    /// <summary>The claim carries its payment method and is charged at once (v1).</summary>
    public const string ImmediateCheckout = "immediate";

    /// <summary>The claim reserves its units for holdSeconds and the buyer pays through checkout.</summary>
    public const string HoldCheckout = "hold";

    public const int DefaultHoldSeconds = 600;
    public const int MinHoldSeconds = 30;
    public const int MaxHoldSeconds = 3600;
    public const int DefaultMaxPaymentAttempts = 3;
    public const int MaxPaymentAttempts = 10;

    public const int DefaultPrequeueMinutes = 10;
    public const int MaxPrequeueMinutes = 1440;
    public const int DefaultOutflowPerMinute = 60_000;
    public const int MaxOutflowPerMinute = 10_000_000;
    public const int DefaultTokenSeconds = 120;
    public const int MinTokenSeconds = 10;
    public const int MaxTokenSeconds = 3600;

    /// <summary>The waiting room's options; field names as the JSON spells them (<c>waitingRoom.*</c>).</summary>
    public static void ValidateWaitingRoom(int? prequeueMinutes, int? outflowPerMinute, int? tokenSeconds, ValidationErrors errors)
    {
        if (prequeueMinutes is < 0 or > MaxPrequeueMinutes)
            errors.Add("waitingRoom.prequeueMinutes", $"prequeueMinutes must be between 0 and {MaxPrequeueMinutes}.");
        ValidateOutflow(outflowPerMinute, errors);
        if (tokenSeconds is < MinTokenSeconds or > MaxTokenSeconds)
            errors.Add("waitingRoom.tokenSeconds", $"tokenSeconds must be between {MinTokenSeconds} and {MaxTokenSeconds}.");
    }

    public static void ValidateOutflow(int? outflowPerMinute, ValidationErrors errors)
    {
        if (outflowPerMinute is < 1 or > MaxOutflowPerMinute)
            errors.Add("waitingRoom.outflowPerMinute", $"outflowPerMinute must be between 1 and {MaxOutflowPerMinute}.");
    }

    /// <summary>The v2 options of a sale: how its buyers pay.</summary>
    public static void ValidateCheckout(string? checkout, int? holdSeconds, int? maxPaymentAttempts, ValidationErrors errors)
    {
        if (checkout is not null and not (ImmediateCheckout or HoldCheckout))
            errors.Add("checkout", $"checkout must be \"{ImmediateCheckout}\" or \"{HoldCheckout}\".");
        if (holdSeconds is < MinHoldSeconds or > MaxHoldSeconds)
            errors.Add("holdSeconds", $"holdSeconds must be between {MinHoldSeconds} and {MaxHoldSeconds}.");
        if (maxPaymentAttempts is < 1 or > MaxPaymentAttempts)
            errors.Add("maxPaymentAttempts", $"maxPaymentAttempts must be between 1 and {MaxPaymentAttempts}.");
    }

    public const int MaxPoolShards = 64;

    /// <summary>
    /// How many Redis pools one sale's stock is split over, so a hot sale admits on several Redis cores. A waiting-room
    /// sale keeps one: its tokens' single use is decided in the slot of its room (docs/hot-sales.md §3).
    /// </summary>
    public static void ValidatePoolShards(int? poolShards, bool waitingRoom, ValidationErrors errors)
    {
        if (poolShards is < 1 or > MaxPoolShards) errors.Add("poolShards", $"poolShards must be between 1 and {MaxPoolShards}.");
        else if (poolShards > 1 && waitingRoom) errors.Add("poolShards", "A sale with a waiting room has one pool (poolShards 1).");
    }

    public static ValidationErrors Validate(
        string? sku, string? name, int? stock, long? priceCents, string? currency,
        DateTime? startsAt, DateTime? endsAt, int? perUserLimit, DateTime now)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrEmpty(sku)) errors.Add("sku", "sku is required.");
        else if (!SkuShape().IsMatch(sku)) errors.Add("sku", "sku must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'.");

        if (string.IsNullOrWhiteSpace(name)) errors.Add("name", "name is required.");
        else if (name.Length > MaxNameLength) errors.Add("name", $"name must be at most {MaxNameLength} characters.");

        if (stock is null) errors.Add("stock", "stock is required.");
        else if (stock is < 1 or > MaxStock) errors.Add("stock", $"stock must be between 1 and {MaxStock}.");

        if (priceCents is null) errors.Add("priceCents", "priceCents is required.");
        else if (priceCents <= 0) errors.Add("priceCents", "priceCents must be greater than 0.");

        if (string.IsNullOrEmpty(currency)) errors.Add("currency", "currency is required.");
        else if (!CurrencyShape().IsMatch(currency)) errors.Add("currency", "currency must be 3 lower-case letters (ISO 4217), e.g. \"usd\".");

        if (startsAt is null) errors.Add("startsAt", "startsAt is required.");
        if (endsAt is null) errors.Add("endsAt", "endsAt is required.");
        if (startsAt is not null && endsAt is not null && endsAt <= startsAt)
            errors.Add("endsAt", "endsAt must be after startsAt.");
        else if (endsAt is not null && endsAt <= now)
            errors.Add("endsAt", "endsAt must be in the future.");

        if (perUserLimit is < 1 or > MaxPerUserLimit)
            errors.Add("perUserLimit", $"perUserLimit must be between 1 and {MaxPerUserLimit}.");
        return errors;
    }

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex SkuShape();

    [GeneratedRegex(@"^[a-z]{3}\z", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyShape();
}
