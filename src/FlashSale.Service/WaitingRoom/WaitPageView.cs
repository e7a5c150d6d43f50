using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace FlashSale.Service.WaitingRoom;

/// <summary>
/// The waiting page's HTML for one ticket: what a buyer needs to decide whether to keep waiting (place, people ahead,
/// wait, units left) and nothing else. No script: the page refreshes itself by a meta refresh at the pace the poll
/// answer asks, and an admitted buyer is sent on the same way.
/// </summary>
public static class WaitPageView
{
    private static readonly Lazy<string> Template = new(() =>
    {
        using var stream = typeof(WaitPageView).Assembly.GetManifestResourceStream("wait-page.html")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static string Ticket(TicketResponse ticket, TicketState state, Uri returnTo)
    {
        var unitsLeft = state.Remaining < 0 ? "–" : Count(state.Remaining);
        return ticket.Status switch
        {
            "admitted" => Admitted(ReturnUrls.WithToken(returnTo, ticket.AdmissionToken!)),
            "used" => Render("used", "You have had your turn", null,
                Paragraph("Your admission has been used for a purchase. Only one turn per buyer."),
                null, Link(returnTo.AbsoluteUri, "Back to the store"), "You can close this page."),
            "expired" => Render("expired", "Your turn lapsed", ticket.PollAfterSeconds,
                Paragraph("Your admission ran out before it was used. You go back to the end of the line once."),
                Figures(("Units left", "remaining", unitsLeft)), null, Refreshes),
            "sold_out" => Render("sold_out", "Sold out", ticket.PollAfterSeconds,
                Paragraph("Every unit is taken. If one comes back (a payment fails, a hold runs out) it goes to the next buyer in line, and you keep your place."),
                Figures(("Your place", "position", Count(ticket.Position)), ("Units left", "remaining", "0")), null, Refreshes),
            _ when ticket.Position is null => Render("prequeue", "You are in the queue", ticket.PollAfterSeconds,
                Paragraph($"The sale starts at {StartsAt(state.StartsAtMs)}. Then everyone who joined before it gets a place in a random order: arriving early gives no edge, and you lose nothing by waiting here."),
                Figures(("Your place", "position", "at the start"), ("Units left", "remaining", unitsLeft)), null, Refreshes),
            _ => Render("waiting", "You are in line", ticket.PollAfterSeconds,
                Paragraph("Buyers are let in a few at a time, in line order. When it is your turn this page takes you to the store."),
                Figures(("Your place", "position", Count(ticket.Position)), ("People ahead", "ahead", Count(ticket.AheadOfYou)),
                    ("Estimated wait", "eta", Wait(ticket.EtaSeconds)), ("Units left", "remaining", unitsLeft)), null, Refreshes),
        };
    }

    public static string NotFound() => Render("not_found", "Ticket not found", null,
        Paragraph("This sale has no waiting-room ticket with this link. Go back to the store and join the queue again."), null, null, "");

    public static string Unavailable(int retryAfterSeconds) => Render("unavailable", "Hold on", retryAfterSeconds,
        Paragraph("We cannot read your place this second. Your place is kept; this page tries again by itself."), null, null, Refreshes);

    private const string Refreshes = "This page updates itself. Keep it open: leaving it or reloading it does not lose your place.";

    private static string Admitted(string url) =>
        Render("admitted", "It is your turn", null, Paragraph("Taking you to the store…"), null, Link(url, "Continue to the store"),
            "Your turn is held for you for a few minutes.", $"<meta http-equiv=\"refresh\" content=\"0; url={Html.Encode(url)}\">");

    private static string Render(string state, string headline, int? refreshSeconds, string message, string? figures, string? action,
        string note, string? refresh = null) =>
        new StringBuilder(Template.Value)
            .Replace("{{refresh}}", refresh ?? (refreshSeconds is { } s ? $"<meta http-equiv=\"refresh\" content=\"{s}\">" : ""))
            .Replace("{{title}}", Html.Encode($"{headline} · waiting room"))
            .Replace("{{state}}", state)
            .Replace("{{headline}}", Html.Encode(headline))
            .Replace("{{message}}", message)
            .Replace("{{figures}}", figures ?? "")
            .Replace("{{action}}", action ?? "")
            .Replace("{{note}}", Html.Encode(note))
            .ToString();

    private static string Paragraph(string text) => $"<p class=\"lead\">{Html.Encode(text)}</p>";

    private static string Link(string url, string text) => $"<a class=\"button\" href=\"{Html.Encode(url)}\">{Html.Encode(text)}</a>";

    private static string Figures(params (string Label, string Field, string Value)[] figures) =>
        "<dl>" + string.Concat(figures.Select(f => $"<div><dt>{Html.Encode(f.Label)}</dt><dd data-field=\"{f.Field}\">{Html.Encode(f.Value)}</dd></div>")) + "</dl>";

    private static string Count(long? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : "–";

    private static string Wait(long? seconds) => seconds switch
    {
        null => "–",
        < 60 => "under a minute",
        < 3600 => $"about {Math.Ceiling(seconds.Value / 60d):0} min",
        _ => $"about {seconds.Value / 3600d:0.#} h",
    };

    // No script, so no buyer's time zone: the time in UTC, which the page says.
    private static string StartsAt(long startsAtMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(startsAtMs).UtcDateTime.ToString("HH:mm 'UTC' 'on' d MMM", CultureInfo.InvariantCulture);
}
