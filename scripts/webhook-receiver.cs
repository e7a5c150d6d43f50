#!/usr/bin/env -S dotnet run --file
// A merchant's webhook receiver in a few lines: verify the signature, dedupe by webhook-id, answer fast.
//   dotnet run scripts/webhook-receiver.cs -- --urls http://127.0.0.1:9000 --secret whsec_...
// Prints one line per event: its id, type, whether it verified, and whether it is a repeat.
#:sdk Microsoft.NET.Sdk.Web
#:package StandardWebhooks
using System.Collections.Concurrent;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var app = builder.Build();
var hook = new StandardWebhook(app.Configuration["secret"] ?? throw new InvalidOperationException("--secret whsec_... is required"));
var seen = new ConcurrentDictionary<string, bool>();    // a real receiver keeps these in its database
app.MapPost("/hooks", async (HttpRequest request) =>
{
    var body = await new StreamReader(request.Body).ReadToEndAsync();
    try { hook.Verify(body, request.Headers); }
    catch (WebhookVerificationException) { return Results.Unauthorized(); }
    var id = request.Headers["webhook-id"].ToString();
    var repeat = !seen.TryAdd(id, true);                  // at least once: a repeat has the same webhook-id
    Console.WriteLine($"{id} {System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("type")} verified{(repeat ? " repeat" : "")}");
    return Results.Ok();                                  // answer at once; do the work after (a queue, a job)
});
app.Run();
