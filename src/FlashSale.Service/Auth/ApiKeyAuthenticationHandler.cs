using System.Security.Claims;
using System.Text.Encodings.Web;
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
    ApiKeys keys,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    // One principal per role, built once and never mutated: a fresh one per request was an allocation plus an
    // identity hash (the authentication service remembers which principals it has transformed).
    private static readonly ClaimsPrincipal AdminPrincipal = PrincipalOf(Policies.Admin);
    private static readonly ClaimsPrincipal StorefrontPrincipal = PrincipalOf(Policies.Storefront);

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? authorization = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(authorization)) return Task.FromResult(AuthenticateResult.NoResult());
        var principal = keys.RoleOf(authorization) switch
        {
            Policies.Admin => AdminPrincipal,
            Policies.Storefront => StorefrontPrincipal,
            _ => null,
        };
        if (principal is null) return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    private static ClaimsPrincipal PrincipalOf(string role) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Role, role), new Claim(ClaimTypes.Name, role)], SchemeName));

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = ChallengeFor(Request);
        return WriteProblemAsync(Problems.Unauthorized());
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => WriteProblemAsync(Problems.Forbidden());

    /// <summary>A browser opening the admin page is asked for the key; API clients are told to send a bearer key.</summary>
    public static string ChallengeFor(HttpRequest request) => request.Path.StartsWithSegments(AdminUi.AdminUiEndpoints.Path)
        ? "Basic realm=\"FlashSale admin\", charset=\"UTF-8\"" : "Bearer";

    private Task WriteProblemAsync(Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult problem)
    {
        Response.StatusCode = problem.StatusCode;
        return problems.WriteAsync(new ProblemDetailsContext { HttpContext = Context, ProblemDetails = problem.ProblemDetails }).AsTask();
    }
}
