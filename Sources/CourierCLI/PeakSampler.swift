import Courier
import NIOConcurrencyHelpers

/// Samples the process's open descriptors and a client's open connections every `interval` (default 10 ms)
/// and keeps the peaks.
public final class PeakSampler: Sendable {
    private struct Peaks {
        var descriptors = 0
        var connections = 0
    }

    private let peaks = NIOLockedValueBox(Peaks())
    private let task: NIOLockedValueBox<Task<Void, Never>?> = NIOLockedValueBox(nil)

    public init() {}

    /// Starts sampling `client` (and the descriptor table); samples once at once.
    public func start(client: Client, interval: Duration = .milliseconds(10)) {
        sample(client)
        let running = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                sample(client)
            }
        }
        task.withLockedValue { $0 = running }
    }

    /// Takes one sample now.
    public func sample(_ client: Client) {
        let descriptors = DescriptorCount.open() ?? 0
        let connections = client.snapshot().origins.reduce(0) { $0 + $1.open }
        peaks.withLockedValue {
            $0.descriptors = max($0.descriptors, descriptors)
            $0.connections = max($0.connections, connections)
        }
    }

    /// Stops sampling (after one last sample) and returns the peaks.
    public func stop(client: Client) async -> (descriptors: Int, connections: Int) {
        let running = task.withLockedValue { task in
            defer { task = nil }
            return task
        }
        running?.cancel()
        await running?.value
        sample(client)
        return peaks.withLockedValue { ($0.descriptors, $0.connections) }
    }
}
