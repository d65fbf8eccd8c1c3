import CoreMetrics
import Metrics
import Prometheus

/// The server's metrics, recorded through swift-metrics into a Prometheus registry of the
/// server's own (not the process-wide `MetricsSystem`, which can be bootstrapped only once and
/// would tie every server of a test process to one registry).
struct ServerMetrics: Sendable {
    /// The registry the metrics endpoint prints.
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Latencies of an embedding server: from 100 µs to 10 s.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(10),
        ]
        factory.defaultValueHistogramBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384]
        self.factory = factory
    }

    /// One request answered: counts it by method and status code and records its latency.
    func request(method: String, code: String, duration: Duration) {
        Counter(label: "multiembed_requests_total", dimensions: [("method", method), ("code", code)], factory: factory)
            .increment()
        Metrics.Timer(label: "multiembed_request_duration_seconds", dimensions: [("method", method)], factory: factory)
            .record(duration: duration)
    }

    /// Inputs waiting for a batch of `model`.
    func queueDepth(model: String, depth: Int) {
        Gauge(label: "multiembed_queue_depth", dimensions: [("model", model)], factory: factory).record(depth)
    }

    /// One model batch ran: its size (inputs), cost (tokens or patches) and wall time.
    func batch(model: String, size: Int, cost: Int, duration: Duration) {
        Recorder(label: "multiembed_batch_inputs", dimensions: [("model", model)], aggregate: true, factory: factory)
            .record(size)
        Recorder(label: "multiembed_batch_cost", dimensions: [("model", model)], aggregate: true, factory: factory)
            .record(cost)
        Metrics.Timer(label: "multiembed_batch_duration_seconds", dimensions: [("model", model)], factory: factory)
            .record(duration: duration)
        // inputs/s is rate(multiembed_inputs_total[1m]).
        Counter(label: "multiembed_inputs_total", dimensions: [("model", model)], factory: factory).increment(by: size)
    }

    /// Bytes of answers being computed or not yet read by their clients, all connections.
    func answerBytesHeld(_ bytes: Int) {
        Gauge(label: "multiembed_answer_bytes_held", factory: factory).record(bytes)
    }

    /// Open connections.
    func connections(_ count: Int) {
        Gauge(label: "multiembed_connections", factory: factory).record(count)
    }
}
