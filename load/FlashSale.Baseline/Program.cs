using System.Text.Json;
using FlashSale.Baseline;
using StackExchange.Redis;

// Same Redis setting as the service, so `source scripts/services-env.sh` points both at one Redis.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls("http://127.0.0.1:8090");
var redis = await ConnectionMultiplexer.ConnectAsync(builder.Configuration["FlashSale:Redis:Configuration"] ?? "127.0.0.1:6390");
var scripts = await LuaScripts.LoadAsync(redis);
var app = builder.Build();

// The admit decision exactly as the service takes it (same script, keys and arguments), and nothing around it.
app.MapPost("/sales/{saleId}/claims", async (string saleId, HttpRequest request) =>
{
    var body = await JsonSerializer.DeserializeAsync(request.Body, BaselineJson.Default.ClaimBody);
    var keys = new SaleKeys(saleId);
    var claimId = "clm_" + Guid.CreateVersion7().ToString("N");
    var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(scripts.Admit,
        [keys.Meta, keys.Remaining, keys.Users, keys.Claims, keys.Queue],
        [body!.UserId, body.Quantity, body.PaymentMethodId, claimId, Convert.FromHexString(claimId.AsSpan(4))]))!;
    var outcome = (string)result[0]!;
    // The pool keeps the id as its 16 bytes (the service's Pool/RedisClaimId.cs).
    var id = outcome is "admitted" or "replay" ? "clm_" + Convert.ToHexStringLower((byte[])result[1]!) : "";
    return outcome switch
    {
        "admitted" => Results.Json(new ClaimAnswer(id, "admitted", $"/sales/{saleId}/claims/{id}"), BaselineJson.Default.ClaimAnswer, statusCode: 202),
        "replay" => Results.Json(new ClaimAnswer(id, "admitted", $"/sales/{saleId}/claims/{id}"), BaselineJson.Default.ClaimAnswer),
        _ => Results.Json(new Refusal(outcome), BaselineJson.Default.Refusal, statusCode: 409),
    };
});

// Bare Kestrel: the same body read and the same answer written, with no Redis call at all (the floor under both).
app.MapPost("/bare/sales/{saleId}/claims", async (string saleId, HttpRequest request) =>
{
    var body = await JsonSerializer.DeserializeAsync(request.Body, BaselineJson.Default.ClaimBody);
    if (body is null) return Results.BadRequest();
    var id = "clm_" + Guid.CreateVersion7().ToString("N");
    return Results.Json(new ClaimAnswer(id, "admitted", $"/sales/{saleId}/claims/{id}"), BaselineJson.Default.ClaimAnswer, statusCode: 202);
});

// A pool without the service: POST /sales/{saleId}/preload?stock=N (any saleId; it is only a key prefix).
app.MapPost("/sales/{saleId}/preload", async (string saleId, int stock) =>
{
    var keys = new SaleKeys(saleId);
    var now = DateTimeOffset.UtcNow;
    await redis.GetDatabase().ScriptEvaluateAsync(scripts.Preload, [keys.Meta, keys.Remaining, keys.Queue],
        [now.AddMinutes(-1).ToUnixTimeMilliseconds(), now.AddHours(2).ToUnixTimeMilliseconds(), 1, stock, "flashsale-workers"]);
    return Results.Ok();
});

// The waiting room's join and poll as the service runs them (same scripts and keys), on a room the service made: a
// join's settings only count for a room that does not exist yet, so none are sent.
app.MapPost("/sales/{saleId}/queue", async (string saleId, HttpRequest request) =>
{
    var body = await JsonSerializer.DeserializeAsync(request.Body, BaselineJson.Default.JoinBody);
    var ticketId = "tkt_" + Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(scripts.QueueJoin, new SaleKeys(saleId).RoomScriptKeys,
        [body!.UserId, ticketId, 0, 0, 0, 0, 0]))!;
    return Results.Json(new Ticket((string)result[1]!, (string)result[0]!), BaselineJson.Default.Ticket, statusCode: (string)result[0]! == "created" ? 201 : 200);
});

app.MapGet("/sales/{saleId}/queue/{ticketId}", async (string saleId, string ticketId) =>
{
    var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(scripts.QueuePoll, new SaleKeys(saleId).RoomScriptKeys, [ticketId]))!;
    return Results.Json(new Place(ticketId, (string)result[0]!, result.Length > 1 ? (long)result[1] : -1), BaselineJson.Default.Place);
});

// A merchant's webhook receiver at its fastest, for load/measure-webhooks.sh: it answers 200 at once, unread.
app.MapPost("/hooks", () => Results.Ok());

app.MapGet("/healthz", () => "ok");

app.Run();
