import CourierTestServer
import Foundation
import Testing

extension Network {
    /// EMFILE handled for real: a child process with a soft RLIMIT_NOFILE of 64 whose "application" holds most
    /// (or all) descriptors runs requests with Courier (the CourierFDProbe helper).
    @Suite struct DescriptorExhaustion {
        struct Report: Decodable {
            var succeeded: Int
            var failed: Int
            var firstError: String
            var exhaustionEvents: Int
            var peakDescriptors: Int
            var limit: Int
            var seconds: Double
            var connectionsOpened: Int
        }

        static func runProbe(_ server: TestServer, requests: Int, concurrency: Int, free: Int, holdMilliseconds: Int, exhaustionMilliseconds: Int) async throws -> Report {
            // Subprocess turns the backtracer off: it needs descriptors of its own; a crash still prints its message.
            let result = try await Subprocess.run(
                "CourierFDProbe",
                [server.url("/"), "\(requests)", "\(concurrency)", "\(free)", "\(holdMilliseconds)", "\(exhaustionMilliseconds)"])
            if !result.stderr.isEmpty { print("fd probe stderr: \(result.stderr.prefix(2000))") }
            if result.status != 0 {
                print("fd probe ended with status \(result.status) (\(result.signaled ? "signal" : "exit"))")
            }
            print("fd probe (free \(free), hold \(holdMilliseconds) ms): \(result.stdout)")
            #expect(result.status == 0)
            return try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        }

        @Test func aboutTwentyFreeDescriptorsAndOneHundredTwentyEightTasksStillCompleteEveryRequest() async throws {
            let server = try await TestServer.start()
            let report = try await Self.runProbe(server, requests: 3_000, concurrency: 128, free: 20, holdMilliseconds: -1, exhaustionMilliseconds: 30_000)
            #expect(report.succeeded == 3_000)
            #expect(report.failed == 0)
            #expect(report.exhaustionEvents > 0)
            #expect(report.peakDescriptors <= report.limit)
            #expect(server.requests.count == 3_001)  // and the warm-up
            try await server.shutdown()
        }

        @Test func requestsWaitWhileTheApplicationHoldsEveryDescriptorThenSucceed() async throws {
            let server = try await TestServer.start()
            let report = try await Self.runProbe(server, requests: 40, concurrency: 8, free: 0, holdMilliseconds: 5_000, exhaustionMilliseconds: 30_000)
            #expect(report.succeeded == 40)
            #expect(report.failed == 0)
            #expect(report.exhaustionEvents > 0)
            #expect(report.seconds >= 4.5)
            #expect(report.peakDescriptors <= report.limit)
            try await server.shutdown()
        }

        @Test func requestsFailAfterTheBoundedWaitWhenDescriptorsNeverComeBack() async throws {
            let server = try await TestServer.start()
            let report = try await Self.runProbe(server, requests: 16, concurrency: 4, free: 0, holdMilliseconds: -1, exhaustionMilliseconds: 1_500)
            #expect(report.succeeded == 0)
            #expect(report.failed == 16)
            #expect(report.firstError.contains("the process is out of file descriptors (limit 64, Courier holds 0)"))
            #expect(report.seconds >= 1.4)
            #expect(report.seconds < 60)
            try await server.shutdown()
        }
    }
}
