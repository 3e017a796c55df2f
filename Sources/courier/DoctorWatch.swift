#if os(Linux)
import CourierDoctor
import Foundation

/// The sampling loop of `courier doctor`: takes a sample every interval until the watch ends, keeping a compact
/// series (``SeriesPoint``s) and the malformed lines seen. Bounded by its deadline and by a sample count.
struct DoctorWatch {
    /// What one tick does: take a sample, or end the watch (given the milliseconds since the watch began).
    typealias Step = (_ elapsedMilliseconds: Int) -> StepResult

    /// The outcome of one tick.
    enum StepResult {
        /// A sample was taken.
        case sampled(Sample)
        /// The watch is over (the reason, for the report; `nil` when it ended as planned).
        case finished(reason: String?)
    }

    /// Milliseconds between samples.
    var intervalMilliseconds: Int
    /// How long to watch, in milliseconds; `nil` until the step ends the watch.
    var durationMilliseconds: Int?
    /// The most samples to take.
    var maximumSamples: Int

    /// What the watch collected.
    struct Outcome {
        var points: [SeriesPoint] = []
        var malformed = MalformedLineLog()
        var endedEarly: String?
    }

    /// Runs the watch: one sample at once, then one every interval (on a fixed schedule, so slow samples do not
    /// stretch it) until the duration has passed, the step finishes, `interrupt` fires, or `maximumSamples`.
    func run(interrupt: DoctorInterrupt?, step: Step) async -> Outcome {
        var outcome = Outcome()
        let clock = ContinuousClock()
        let start = clock.now
        var tick = 0
        while outcome.points.count < maximumSamples {
            let elapsed = start.duration(to: clock.now).milliseconds
            switch step(elapsed) {
            case .sampled(let sample):
                outcome.points.append(SeriesPoint(sample))
                outcome.malformed.add(sample.malformed)
            case .finished(let reason):
                outcome.endedEarly = reason
                return outcome
            }
            tick += 1
            let next = tick * intervalMilliseconds
            if let durationMilliseconds, next > durationMilliseconds { return outcome }
            // Sleep to the next tick in slices of at most 100 ms, to answer Ctrl-C promptly.
            while start.duration(to: clock.now).milliseconds < next {
                if interrupt?.happened == true {
                    outcome.endedEarly = "interrupted"
                    return outcome
                }
                let left = next - start.duration(to: clock.now).milliseconds
                try? await Task.sleep(for: .milliseconds(max(1, min(100, left))))
            }
        }
        outcome.endedEarly = "the limit of \(maximumSamples) samples was reached"
        return outcome
    }
}

extension Duration {
    /// Whole milliseconds.
    fileprivate var milliseconds: Int { Int(components.seconds) * 1000 + Int(components.attoseconds / 1_000_000_000_000_000) }
}
#endif
