namespace FlashSale.Core;

/// <summary>Field → messages, shaped like the <c>errors</c> member of a validation problem.</summary>
public sealed class ValidationErrors
{
    // Made on the first error: a valid request, the common case on hot endpoints, allocates no dictionary.
    private Dictionary<string, List<string>>? _errors;

    public bool IsEmpty => _errors is null;

    public void Add(string field, string message)
    {
        _errors ??= new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }
        list.Add(message);
    }

    public Dictionary<string, string[]> ToDictionary() =>
        _errors?.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal) ?? new(StringComparer.Ordinal);
}
