using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.WaitingRoom;

/// <summary>
/// Where the waiting page may send a buyer with their admission token: only to a storefront origin the merchant
/// listed, or the page would hand tokens to any site that links to it.
/// </summary>
public sealed class ReturnUrls(IOptions<WaitingRoomOptions> options)
{
    public const string TokenParameter = "flashsale_admission";

    private readonly HashSet<string> _origins = options.Value.ReturnOrigins.Select(o => Origin(new Uri(o))).ToHashSet(StringComparer.Ordinal);

    /// <summary>The URL as an absolute http(s) URL on an allowed origin, or null.</summary>
    public Uri? Allowed(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.UserInfo.Length == 0
            && _origins.Contains(Origin(uri)) ? uri : null;

    /// <summary>The return URL with the token added to its query (before any fragment).</summary>
    public static string WithToken(Uri url, string token) => QueryHelpers.AddQueryString(url.AbsoluteUri, TokenParameter, token);

    /// <summary>Configuration mistakes in <see cref="WaitingRoomOptions.ReturnOrigins"/>, for validation on start.</summary>
    public static IEnumerable<string> Problems(WaitingRoomOptions options)
    {
        foreach (var origin in options.ReturnOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                yield return $"'{origin}' is not an absolute http or https URL";
            else if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
                yield return $"'{origin}' is not an origin (scheme, host and port, nothing after)";
        }
    }

    // Uri lower-cases scheme and host and drops a default port, so equal origins compare equal as strings.
    private static string Origin(Uri uri) => uri.GetLeftPart(UriPartial.Authority);
}
