using Prometheus;

namespace FlashSale.Service.Queue.Kafka;

public static class KafkaMetrics
{
    public static readonly Counter Relayed = Metrics.CreateCounter(
        "flashsale_relay_forwarded_total", "Claims the relay wrote to Kafka and then acknowledged in Redis.");

    public static readonly Counter Redelivered = Metrics.CreateCounter(
        "flashsale_kafka_redeliveries_total", "Kafka messages handed to the worker again because they were not acknowledged in time.");

    public static readonly Gauge ConsumerLag = Metrics.CreateGauge(
        "flashsale_kafka_consumer_lag", "Messages on the claims topic past this worker's position, per assigned partition.", "partition");

    public static readonly Gauge InFlight = Metrics.CreateGauge(
        "flashsale_kafka_in_flight", "Kafka messages received by this worker and not yet committed.");
}
