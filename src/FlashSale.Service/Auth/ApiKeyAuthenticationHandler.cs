using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using FlashSale.Service.Hosting;
using FlashSale.Service.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c>: the admin key makes the caller an admin, the storefront key a
/// storefront. A missing or unknown key is 401; a valid key of the other role is 403.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<FlashSaleOptions> keys,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedKey(Request.Headers.Authorization);
        if (presented is null) return Task.FromResult(AuthenticateResult.NoResult());

        var options = keys.CurrentValue;
        // Both comparisons always run, in constant time, so timing tells nothing about either key.
        var isAdmin = Matches(presented, options.AdminKey);
        var isStorefront = Matches(presented, options.StorefrontKey);
        var role = isAdmin ? Policies.Admin : isStorefront ? Policies.Storefront : null;
        if (role is null) return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Role, role), new Claim(ClaimTypes.Name, role)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    // "Bearer <key>" for API clients; "Basic base64(user:<key>)" so a browser can open the admin page.
    private static byte[]? PresentedKey(string? header)
    {
        if (string.IsNullOrEmpty(header)) return null;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
            var colon = pair.IndexOf(':');
            return colon < 0 ? null : Encoding.UTF8.GetBytes(pair[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool Matches(byte[] presented, string? key) =>
        key is not null && CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(key));

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        // A browser opening the admin page is asked for the key; API clients are told to send a bearer key.
        Response.Headers.WWWAuthenticate = Request.Path.StartsWithSegments(AdminUi.AdminUiEndpoints.Path)
            ? "Basic realm=\"FlashSale admin\", charset=\"UTF-8\"" : "Bearer";
        return WriteProblemAsync(ProblemCodes.Unauthorized, "Unauthorized", "Send Authorization: Bearer <key> with a valid key.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return WriteProblemAsync(ProblemCodes.Forbidden, "Forbidden", "This key's role may not call this endpoint.");
    }

    private Task WriteProblemAsync(string code, string title, string detail) =>
        problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = Response.StatusCode, Title = title, Detail = detail, Extensions = { ["code"] = code } },
        }).AsTask();
}
