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

    // One principal per role, built once and never mutated: a fresh one per request was an allocation plus an
    // identity hash (the authentication service remembers which principals it has transformed).
    private static readonly ClaimsPrincipal AdminPrincipal = PrincipalOf(Policies.Admin);
    private static readonly ClaimsPrincipal StorefrontPrincipal = PrincipalOf(Policies.Storefront);

    // The configured keys as UTF-8, encoded again only when the options change.
    private static KeyBytes? s_keys;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedKey(Request.Headers.Authorization);
        if (presented is null) return Task.FromResult(AuthenticateResult.NoResult());

        var options = keys.CurrentValue;
        var known = s_keys is { } cached && ReferenceEquals(cached.Options, options) ? cached : s_keys = new KeyBytes(options);
        // Both comparisons always run, in constant time, so timing tells nothing about either key.
        var isAdmin = Matches(presented, known.Admin);
        var isStorefront = Matches(presented, known.Storefront);
        var principal = isAdmin ? AdminPrincipal : isStorefront ? StorefrontPrincipal : null;
        if (principal is null) return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    private static ClaimsPrincipal PrincipalOf(string role) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Role, role), new Claim(ClaimTypes.Name, role)], SchemeName));

    private sealed class KeyBytes(FlashSaleOptions options)
    {
        public FlashSaleOptions Options { get; } = options;
        public byte[]? Admin { get; } = options.AdminKey is { } key ? Encoding.UTF8.GetBytes(key) : null;
        public byte[]? Storefront { get; } = options.StorefrontKey is { } key ? Encoding.UTF8.GetBytes(key) : null;
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

    private static bool Matches(byte[] presented, byte[]? key) =>
        key is not null && CryptographicOperations.FixedTimeEquals(presented, key);

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
