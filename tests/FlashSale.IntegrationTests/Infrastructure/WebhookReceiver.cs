using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace FlashSale.IntegrationTests.Infrastructure;

/// <summary>
/// A merchant's endpoint on loopback (Kestrel): records every request it gets, verified with the StandardWebhooks
/// package's own verifier against the secret it is given, and answers as the test says (200 by default, a status to
/// fail with, or a delay).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _received = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public sealed record Received(string WebhookId, long Timestamp, string Signature, string Body, bool Verified, DateTime At, int AnsweredWith);

    /// <summary>Answers with this status (null: 200).</summary>
    public Func<Received, int>? Answer { get; set; }

    /// <summary>Holds each answer back this long.</summary>
    public TimeSpan Delay { get; set; }

    public string? Secret { get; set; }

    public Uri Url => new(_app.Urls.First() + "/hooks");

    public IReadOnlyList<Received> All => _received.ToList();

    public IReadOnlyList<Received> Verified => _received.Where(r => r.Verified).ToList();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hooks", receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    private async Task<IResult> HandleAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        var verified = false;
        if (Secret is not null)
        {
            try
            {
                new StandardWebhook(Secret).Verify(body, request.Headers);
                verified = true;
            }
            catch (WebhookVerificationException)
            {
            }
        }
        var received = new Received(request.Headers["webhook-id"].ToString(), long.TryParse(request.Headers["webhook-timestamp"], out var t) ? t : 0,
            request.Headers["webhook-signature"].ToString(), body, verified, DateTime.UtcNow, 0);
        var status = Answer?.Invoke(received) ?? (int)HttpStatusCode.OK;
        _received.Enqueue(received with { AnsweredWith = status });
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay);
        return Results.StatusCode(status);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
