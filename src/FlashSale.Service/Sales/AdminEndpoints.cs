using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FlashSale.Core;
using FlashSale.Service.Auth;
using FlashSale.Service.Http;
using FlashSale.Service.Pool;
using FlashSale.Service.Reconciliation;
using FlashSale.Service.WaitingRoom;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FlashSale.Service.Sales;

public static class AdminEndpoints
{
    public static RouteGroupBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin/sales").WithTags("Admin").RequireAuthorization(Policies.Admin);
        admin.MapPost("/", CreateAsync).WithJsonBody<CreateSaleRequest>()
            .Produces<SaleResponse>(StatusCodes.Status201Created).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        admin.MapGet("/", ListAsync);
        admin.MapGet("/{saleId}", GetAsync);
        admin.MapPatch("/{saleId}", PatchAsync).WithJsonBody<PatchSaleRequest>().Produces<SaleResponse>().ProducesValidationProblem();
        foreach (var action in (string[])[SaleTransitions.Preload, SaleTransitions.Pause, SaleTransitions.Resume, SaleTransitions.Close])
        {
            admin.MapPost($"/{{saleId}}/{action}", (string saleId, SaleLifecycle lifecycle, SaleStore store, SaleReconciler reconciler, TimeProvider clock, CancellationToken ct) =>
                TransitionAsync(saleId, action, lifecycle, store, reconciler, clock, ct));
        }
        return admin;
    }

    private static async Task<IResult> CreateAsync(
        HttpRequest request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        SaleStore store, TimeProvider clock, CancellationToken ct)
    {
        if (idempotencyKey is not null && (idempotencyKey.Length is < 1 or > 255 || idempotencyKey.Any(c => c is < '!' or > '~')))
            return Problems.Invalid("Idempotency-Key", "Idempotency-Key must be 1-255 printable ASCII characters without spaces.");

        var (body, problem) = await JsonBody.ReadAsync<CreateSaleRequest>(request, ct);
        if (problem is not null) return problem;

        var now = clock.GetUtcNow().UtcDateTime;
        var startsAt = body!.StartsAt?.UtcDateTime;
        var endsAt = body.EndsAt?.UtcDateTime;
        var errors = SaleRules.Validate(body.Sku, body.Name, body.Stock, body.PriceCents, body.Currency, startsAt, endsAt, body.PerUserLimit, now);
        SaleRules.ValidateCheckout(body.Checkout, body.HoldSeconds, body.MaxPaymentAttempts, errors);
        body.WaitingRoom?.Validate(errors);
        SaleRules.ValidatePoolShards(body.PoolShards, body.WaitingRoom?.Enabled == true, errors);
        if (!errors.IsEmpty) return Problems.Invalid(errors.ToDictionary());
        // The defaults are part of what the key stands for: a repeat that spells them out is the same request.
        body = body with
        {
            PerUserLimit = body.PerUserLimit ?? 1, Checkout = body.Checkout ?? SaleRules.ImmediateCheckout,
            HoldSeconds = body.HoldSeconds ?? SaleRules.DefaultHoldSeconds, MaxPaymentAttempts = body.MaxPaymentAttempts ?? SaleRules.DefaultMaxPaymentAttempts,
            // A room left out and one spelled out as the defaults, off, are the same request (and the v1 one).
            WaitingRoom = body.WaitingRoom?.WithDefaults() is { } room && room != WaitingRoomSettings.Off ? room : null,
        };
        var waitingRoom = body.WaitingRoom ?? WaitingRoomSettings.Off;

        var sale = new SaleRow
        {
            SaleId = Ids.NewSaleId(), Sku = body.Sku!, Name = body.Name!, Stock = body.Stock!.Value,
            PriceCents = body.PriceCents!.Value, Currency = body.Currency!, StartsAt = Truncate(startsAt!.Value),
            EndsAt = Truncate(endsAt!.Value), PerUserLimit = body.PerUserLimit!.Value, Status = SaleStatus.Scheduled,
            Checkout = body.Checkout!, HoldSeconds = body.HoldSeconds!.Value, MaxPaymentAttempts = body.MaxPaymentAttempts!.Value,
            WaitingRoom = waitingRoom.Enabled!.Value, PrequeueMinutes = waitingRoom.PrequeueMinutes!.Value,
            OutflowPerMinute = waitingRoom.OutflowPerMinute!.Value, TokenSeconds = waitingRoom.TokenSeconds!.Value,
            PoolShards = body.PoolShards ?? 1,
            IdempotencyKey = idempotencyKey, RequestHash = idempotencyKey is null ? null : Hash(body),
        };
        var (stored, created) = await store.CreateAsync(sale, ct);
        if (!created && stored.RequestHash != sale.RequestHash)
            return Problems.Of(StatusCodes.Status422UnprocessableEntity, ProblemCodes.IdempotencyKeyReused, "Idempotency key reused",
                "This Idempotency-Key was used with a different request body.");
        return TypedResults.Created($"/admin/sales/{stored.SaleId}", SaleResponse.From(stored, now));
    }

    private static async Task<Ok<SaleResponse[]>> ListAsync(SaleStore store, TimeProvider clock, CancellationToken ct, int? limit = null)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = await store.ListAsync(Math.Clamp(limit ?? 100, 1, 1000), ct);
        return TypedResults.Ok(rows.Select(r => SaleResponse.From(r, now)).ToArray());
    }

    private static async Task<Results<Ok<SaleResponse>, ProblemHttpResult>> GetAsync(
        string saleId, SaleStore store, SaleCountsReader counts, TimeProvider clock, CancellationToken ct)
    {
        if (!Ids.IsSaleId(saleId)) return Problems.SaleNotFound();
        var sale = await store.GetAsync(saleId, ct);
        if (sale is null) return Problems.SaleNotFound();
        return TypedResults.Ok(SaleResponse.From(sale, clock.GetUtcNow().UtcDateTime, await counts.ReadAsync(sale, ct)));
    }

    /// <summary>Changes the waiting room's outflow; the outflow reads it from Redis on its next tick.</summary>
    private static async Task<IResult> PatchAsync(
        string saleId, HttpRequest request, SaleStore store, SalePool pool, QueueRoom room, SaleCountsReader counts, TimeProvider clock,
        CancellationToken ct)
    {
        if (!Ids.IsSaleId(saleId)) return Problems.SaleNotFound();
        var (body, problem) = await JsonBody.ReadAsync<PatchSaleRequest>(request, ct);
        if (problem is not null) return problem;
        var errors = new ValidationErrors();
        var outflow = body!.WaitingRoom?.OutflowPerMinute;
        var endsAt = body.EndsAt is { } end ? Truncate(end.UtcDateTime) : (DateTime?)null;
        var now = clock.GetUtcNow().UtcDateTime;
        if (outflow is null && endsAt is null)
            errors.Add("endsAt", "Give waitingRoom.outflowPerMinute, endsAt or both: nothing else may change.");
        if (body.WaitingRoom is not null && outflow is null) errors.Add("waitingRoom.outflowPerMinute", "outflowPerMinute is required.");
        if (outflow is not null) SaleRules.ValidateOutflow(outflow, errors);
        // Ending a sale now is what close is for: a new end is a time still to come.
        if (endsAt <= now) errors.Add("endsAt", "endsAt must be in the future (to end the sale now, close it).");
        if (!errors.IsEmpty) return Problems.Invalid(errors.ToDictionary());

        switch (await store.PatchAsync(saleId, outflow, endsAt, ct))
        {
            case PatchOutcome.NotFound: return Problems.SaleNotFound();
            case PatchOutcome.Closed: return Problems.InvalidTransition("change", SaleStatus.Closed);
            case PatchOutcome.EndsBeforeStart: return Problems.Invalid("endsAt", "endsAt must be after the sale's startsAt.");
        }
        // PostgreSQL first: a pool loaded or a room made from now on takes the new values from it; a failure here is a
        // 503 whose retry repeats both steps.
        if (outflow is { } rate) await room.SetOutflowAsync(saleId, rate);
        if (endsAt is { } newEnd) await pool.SetEndsAtAsync(saleId, newEnd);
        var sale = (await store.GetAsync(saleId, ct))!;
        return TypedResults.Ok(SaleResponse.From(sale, now, await counts.ReadAsync(sale, ct)));
    }

    private static async Task<Results<Ok<SaleResponse>, ProblemHttpResult>> TransitionAsync(
        string saleId, string action, SaleLifecycle lifecycle, SaleStore store, SaleReconciler reconciler, TimeProvider clock, CancellationToken ct)
    {
        if (!Ids.IsSaleId(saleId)) return Problems.SaleNotFound();
        var outcome = await lifecycle.ApplyAsync(saleId, action, ct);
        if (!outcome.Found) return Problems.SaleNotFound();
        if (!outcome.Allowed) return Problems.InvalidTransition(action, outcome.CurrentStatus!);
        var sale = await store.GetAsync(saleId, ct);
        // Closing reconciles what it can at once; what is still in flight settles in the reconciler's passes.
        if (action == SaleTransitions.Close) await reconciler.ReconcileAsync(sale!, ct);
        return TypedResults.Ok(SaleResponse.From(sale!, clock.GetUtcNow().UtcDateTime));
    }

    // PostgreSQL keeps microseconds; trimming here makes the response equal what a later read returns.
    private static DateTime Truncate(DateTime t) => new(t.Ticks - t.Ticks % 10, DateTimeKind.Utc);

    // poolShards counts only when it is not the default: the keys of requests made before it existed keep their hash.
    private static string Hash(CreateSaleRequest body) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(body with
        {
            StartsAt = body.StartsAt?.ToUniversalTime(), EndsAt = body.EndsAt?.ToUniversalTime(), PoolShards = null,
        }) + (body.PoolShards is > 1 and var pools ? $"|poolShards={pools}" : ""))));
}
