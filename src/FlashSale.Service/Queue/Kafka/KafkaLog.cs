using Confluent.Kafka;

namespace FlashSale.Service.Queue.Kafka;

/// <summary>librdkafka's own log lines, at the matching .NET level.</summary>
internal static class KafkaLog
{
    public static void Write(ILogger logger, LogMessage log)
    {
        var level = log.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
            SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        logger.Log(level, "librdkafka {Facility} {Name}: {Message}", log.Facility, log.Name, log.Message);
    }
}
