import CoreMetrics

/// The client's swift-metrics instruments. They record nothing unless the application bootstraps a metrics
/// backend (`MetricsSystem.bootstrap`). Labels:
///
/// | label | kind | meaning |
/// |---|---|---|
/// | `courier_connections_opened_total` | counter | connections that finished opening |
/// | `courier_connections_closed_total{reason}` | counter | closes completed, by ``PoolStateMachine/CloseReason`` |
/// | `courier_connections{state="open"\|"idle"\|"leased"}` | gauge | connections now |
/// | `courier_requests_total` | counter | requests passed to `execute` |
/// | `courier_retries_total` | counter | attempts sent again (see ``RetryPolicy``) |
/// | `courier_queue_wait_seconds` | timer (ns) | time from asking the pool to getting a connection |
/// | `courier_descriptor_exhaustion_total` | counter | sockets that could not be opened (EMFILE/ENFILE) |
struct PoolMetrics: Sendable {
    let opened: Counter
    let closed: [PoolStateMachine.CloseReason: Counter]
    let open: Gauge
    let idle: Gauge
    let leased: Gauge
    let requests: Counter
    let retries: Counter
    let queueWait: Timer
    let descriptorExhaustion: Counter

    init(factory: MetricsFactory?) {
        let factory = factory ?? MetricsSystem.factory
        opened = Counter(label: "courier_connections_opened_total", factory: factory)
        closed = Dictionary(
            uniqueKeysWithValues: PoolStateMachine.CloseReason.allCases.map { reason in
                (reason, Counter(label: "courier_connections_closed_total", dimensions: [("reason", reason.rawValue)], factory: factory))
            })
        open = Gauge(label: "courier_connections", dimensions: [("state", "open")], factory: factory)
        idle = Gauge(label: "courier_connections", dimensions: [("state", "idle")], factory: factory)
        leased = Gauge(label: "courier_connections", dimensions: [("state", "leased")], factory: factory)
        requests = Counter(label: "courier_requests_total", factory: factory)
        retries = Counter(label: "courier_retries_total", factory: factory)
        queueWait = Timer(label: "courier_queue_wait_seconds", factory: factory)
        descriptorExhaustion = Counter(label: "courier_descriptor_exhaustion_total", factory: factory)
    }

    /// Records connections open, idle and leased now.
    func recordGauges(_ gauges: (open: Int, idle: Int, leased: Int)) {
        open.record(gauges.open)
        idle.record(gauges.idle)
        leased.record(gauges.leased)
    }
}
