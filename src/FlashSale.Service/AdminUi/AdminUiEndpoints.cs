using FlashSale.Service.Auth;

namespace FlashSale.Service.AdminUi;

/// <summary>
/// <c>GET /admin/ui</c>: one self-contained page that shows each sale live and can pause or resume it.
/// It needs the admin key like the API it calls; a browser asks for it (HTTP Basic, password = admin key).
/// </summary>
public static class AdminUiEndpoints
{
    public const string Path = "/admin/ui";

    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = typeof(AdminUiEndpoints).Assembly.GetManifestResourceStream("admin-ui.html")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public static RouteHandlerBuilder MapAdminUi(this IEndpointRouteBuilder app) =>
        app.MapGet(Path, (HttpContext context) =>
        {
            // The page holds no data, but it is the admin console: no framing by other sites, no inline code from elsewhere.
            context.Response.Headers.XFrameOptions = "DENY";
            context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; frame-ancestors 'none'";
            context.Response.Headers.CacheControl = "no-store";
            return TypedResults.Content(Page.Value, "text/html; charset=utf-8");
        }).WithTags("Admin").RequireAuthorization(Policies.Admin).ExcludeFromDescription();
}
