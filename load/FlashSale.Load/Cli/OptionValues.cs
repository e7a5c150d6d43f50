using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace FlashSale.Load.Cli;

/// <summary>
/// Options of the kinds the tool takes (bounded numbers, durations such as 500ms, 10s or 2m, one word of a list), each
/// with its default shown in the help and a message naming the flag when a value does not fit.
/// </summary>
internal static class OptionValues
{
    public static Option<int> Int(string name, int @default, int min, int max, string description) =>
        Parsed(name, @default, description, text =>
            int.TryParse(text.Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                ? n : throw new FormatException($"{name} must be an integer from {min} to {max}."));

    public static Option<int?> OptionalInt(string name, int min, int max, string description) =>
        Parsed<int?>(name, null, description, text =>
            int.TryParse(text.Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                ? n : throw new FormatException($"{name} must be an integer from {min} to {max}."));

    public static Option<double> Double(string name, double @default, double min, double max, string description) =>
        Parsed(name, @default, description, text => ParseDouble(text, min, max, name));

    public static Option<double?> OptionalDouble(string name, double min, double max, string description) =>
        Parsed<double?>(name, null, description, text => ParseDouble(text, min, max, name));

    public static Option<TimeSpan> Duration(string name, TimeSpan @default, string description) =>
        Parsed(name, @default, description, text => ParseDuration(text, name));

    public static Option<TimeSpan?> OptionalDuration(string name, string description) =>
        Parsed<TimeSpan?>(name, null, description, text => ParseDuration(text, name));

    public static Option<string> Choice(string name, string @default, string description, params string[] choices)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => @default };
        option.AcceptOnlyFromAmong(choices);
        return option;
    }

    public static Option<string?> Text(string name, string description, string? @default = null) =>
        new(name) { Description = description, DefaultValueFactory = _ => @default };

    /// <summary>500ms, 10s, 2m, 250us; a bare number is seconds.</summary>
    public static TimeSpan ParseDuration(string value, string name)
    {
        var (number, scale) = value switch
        {
            var v when v.EndsWith("ms", StringComparison.Ordinal) => (v[..^2], 1.0),
            var v when v.EndsWith("us", StringComparison.Ordinal) => (v[..^2], 0.001),
            var v when v.EndsWith('s') => (v[..^1], 1000.0),
            var v when v.EndsWith('m') => (v[..^1], 60_000.0),
            var v when v.EndsWith('h') => (v[..^1], 3_600_000.0),
            var v => (v, 1000.0),
        };
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0
            ? TimeSpan.FromMilliseconds(d * scale) : throw new FormatException($"{name} must be a duration such as 500ms, 10s or 2m.");
    }

    private static double ParseDouble(string text, double min, double max, string name) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= min && d <= max
            ? d : throw new FormatException($"{name} must be a number from {min} to {max}.");

    private static Option<T> Parsed<T>(string name, T @default, string description, Func<string, T> parse) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => @default,
        CustomParser = result => Convert(result, parse),
    };

    private static T? Convert<T>(ArgumentResult result, Func<string, T> parse)
    {
        try
        {
            return parse(result.Tokens.Single().Value);
        }
        catch (FormatException e)
        {
            result.AddError(e.Message);
            return default;
        }
    }
}
