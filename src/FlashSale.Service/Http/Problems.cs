using Microsoft.AspNetCore.Http.HttpResults;

namespace FlashSale.Service.Http;

/// <summary>Problem responses (RFC 9457) carrying the contract's <c>code</c>.</summary>
public static class Problems
{
    public static ProblemHttpResult Of(int status, string code, string title, string? detail = null) =>
        TypedResults.Problem(detail, statusCode: status, title: title,
            extensions: new Dictionary<string, object?> { ["code"] = code });

    public static ValidationProblem Invalid(IDictionary<string, string[]> errors, string? detail = null) =>
        TypedResults.ValidationProblem(errors, detail ?? "The request is not valid; see errors.",
            title: "Invalid request", extensions: new Dictionary<string, object?> { ["code"] = ProblemCodes.InvalidRequest });

    public static ValidationProblem Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] }, message);

    public static ProblemHttpResult Unauthorized() =>
        Of(StatusCodes.Status401Unauthorized, ProblemCodes.Unauthorized, "Unauthorized", "Send Authorization: Bearer <key> with a valid key.");

    public static ProblemHttpResult Forbidden() =>
        Of(StatusCodes.Status403Forbidden, ProblemCodes.Forbidden, "Forbidden", "This key's role may not call this endpoint.");

    public static ProblemHttpResult SaleNotFound() =>
        Of(StatusCodes.Status404NotFound, ProblemCodes.SaleNotFound, "Sale not found", "No sale has this id.");

    public static ProblemHttpResult ClaimNotFound() =>
        Of(StatusCodes.Status404NotFound, ProblemCodes.ClaimNotFound, "Claim not found", "No claim of this sale has this id.");

    public static ProblemHttpResult ClaimNotHeld(string status) =>
        Of(StatusCodes.Status409Conflict, ProblemCodes.ClaimNotHeld, "Claim not held", $"The claim is {status}, not held.");

    public static ProblemHttpResult PayloadTooLarge(int limit) =>
        Of(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge, "Payload too large", $"The body must be at most {limit} bytes.");

    public static ProblemHttpResult InvalidTransition(string action, string status) =>
        Of(StatusCodes.Status409Conflict, ProblemCodes.InvalidTransition, "Invalid transition", $"A sale that is {status} cannot {action}.");

    public static RetryAfterResult DependencyUnavailable(string detail) =>
        new(Of(StatusCodes.Status503ServiceUnavailable, ProblemCodes.DependencyUnavailable, "Dependency unavailable", detail), 1);
}
