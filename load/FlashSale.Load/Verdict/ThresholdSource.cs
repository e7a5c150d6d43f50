using System.Text.Json;
using FlashSale.Load.Cli;

namespace FlashSale.Load.Verdict;

/// <summary>The thresholds of a run: from the flags, the JSON file, or the defaults when neither is given.</summary>
public static class ThresholdSource
{
    private sealed record File(string[]? Thresholds);

    public static IReadOnlyList<Threshold> Load(LoadOptions options)
    {
        var texts = new List<string>(options.Thresholds);
        if (options.ThresholdFile is { } path)
        {
            File? file;
            try
            {
                file = JsonSerializer.Deserialize<File>(System.IO.File.ReadAllText(path), new JsonSerializerOptions(JsonSerializerDefaults.Web));
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
            {
                throw new FormatException($"Threshold file {path}: {e.Message}");
            }
            texts.AddRange(file?.Thresholds ?? throw new FormatException($"Threshold file {path} has no \"thresholds\" array."));
        }
        if (options.Thresholds.Count == 0 && options.ThresholdFile is null) texts.AddRange(LoadOptions.DefaultThresholds);
        return texts.Select(Threshold.Parse).ToList();
    }
}
