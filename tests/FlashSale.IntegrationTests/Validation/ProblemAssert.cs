using System.Net;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Validation;

/// <summary>Checks an error answer the way CONTRACT.md (Errors) defines it: status, problem+json, stable <c>code</c>.</summary>
public static class ProblemAssert
{
    public const string MediaType = "application/problem+json";

    public static async Task<Problem> HasAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal(MediaType, response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize<Problem>(body, FlashSaleClient.Json);
        Assert.NotNull(problem);
        Assert.True(code == problem.Code, $"expected code {code}, got {problem.Code}: {body}");
        Assert.Equal((int)status, problem.Status);
        return problem;
    }

    /// <summary>400 <c>invalid_request</c> with an <c>errors</c> map; when given, <paramref name="field"/> is named in it.</summary>
    public static async Task<Problem> InvalidAsync(HttpResponseMessage response, string? field = null)
    {
        var problem = await HasAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.NotNull(problem.Errors);
        Assert.NotEmpty(problem.Errors);
        if (field is not null)
        {
            Assert.True(problem.Errors.TryGetValue(field, out var messages) && messages.Length > 0 && messages.All(m => m.Length > 0),
                $"errors does not name '{field}': [{string.Join(", ", problem.Errors.Keys)}]");
        }
        return problem;
    }

    /// <summary>
    /// A body not declared as JSON. The contract's table has no row for it; 400 <c>invalid_request</c> (a malformed
    /// request) and 415 (HTTP's own answer) with code <c>invalid_request</c> both tell the client what is wrong.
    /// </summary>
    public static async Task<Problem> UnsupportedMediaTypeAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType,
            $"expected 400 or 415, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await HasAsync(response, response.StatusCode, "invalid_request");
    }
}
