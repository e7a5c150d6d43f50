namespace FlashSale.Service.OpenApi;

/// <summary>
/// One operation of the contract as the OpenAPI document tells a client generator about it: the method name it
/// generates (<see cref="OperationId"/>), who may call it (<see cref="Role"/>: admin, storefront, or null for none)
/// and every problem it can answer, each status with the <c>code</c> values it can carry. A page for people (the
/// waiting page) answers HTML instead: <see cref="Pages"/> are its statuses, each with what it shows.
/// </summary>
public sealed record ApiOperation(
    string Method, string Path, string OperationId, string Summary, string Description, string? Role,
    IReadOnlyList<ApiProblem> Problems, IReadOnlyList<ApiHeader>? Headers = null, IReadOnlyDictionary<int, string>? Pages = null);

/// <summary>A problem status and the codes it comes with (CONTRACT.md, Errors).</summary>
public sealed record ApiProblem(int Status, params string[] Codes);

/// <summary>A request header the handler reads itself, so the framework cannot see it.</summary>
public sealed record ApiHeader(string Name, string Description, bool Required = false, int? MaxLength = null);
