import CourierDoctor
import CourierTestServer
import Foundation
import Testing

extension Network {
/// `courier doctor` run as a process against CourierLeakProbe clients talking to a CourierLeakProbe server, all
/// on loopback. The server runs in a process of its own; the suite sits under ``Network`` so that its child
/// processes never run while another test counts this process's descriptors.
@Suite struct DoctorCommand {
    /// A loopback HTTP/1.1 server in a child process.
    struct Server {
        let process: ChildProcess.Running
        let port: Int

        /// Starts it; `closeEach` answers `Connection: close` and closes after every response.
        static func start(closeEach: Bool = false) async throws -> Server {
            let process = try ChildProcess.Running(try ChildProcess.product("CourierLeakProbe"), [closeEach ? "serve-close" : "serve", "0", "30"])
            let listening = await process.waitForOutput("listening ")
            try #require(listening, "the server did not start: \(process.errors)")
            let line = process.output.split(separator: "\n").first { $0.hasPrefix("listening ") }
            let port = try #require(line.flatMap { Int($0.dropFirst("listening ".count)) })
            return Server(process: process, port: port)
        }

        /// Connections accepted so far.
        var acceptedConnections: Int { process.output.split(separator: "\n").filter { $0 == "accepted" }.count }

        func shutdown() { process.stop() }
    }

    /// Starts a probe in `mode` against `server`, waits until it has its first connection, runs `doctor` with
    /// `arguments` plus `--pid PROBE`, then stops the probe.
    func doctor(probe mode: String, server: Server, arguments: [String]) async throws -> ChildProcess.Result {
        let probe = try ChildProcess.Running(try ChildProcess.product("CourierLeakProbe"), [mode, "\(server.port)", "20"])
        defer { probe.stop() }
        let ready = await probe.waitForOutput("ready")
        try #require(ready, "probe did not get ready: \(probe.errors)")
        let result = try await ChildProcess.run(try ChildProcess.product("courier"), ["doctor", "--pid", "\(probe.pid)"] + arguments)
        print("doctor --pid (\(mode)) exited \(result.status):\n\(result.output)\(result.errors)")
        return result
    }

    @Test func aLeakingChildGetsTheGrowthVerdictNamingTheServerAndExit3() async throws {
        let server = try await Server.start()
        let result = try await doctor(probe: "leak", server: server, arguments: ["--watch", "3", "--interval", "100"])
        server.shutdown()
        #expect(result.status == 3)
        #expect(result.output.contains("LEAK: ESTABLISHED connections to 127.0.0.1:\(server.port) grew steadily"))
        let row = result.output.split(separator: "\n").first { $0.contains("to 127.0.0.1:\(server.port)") && $0.contains("ESTABLISHED") }
        #expect(row != nil)
    }

    @Test func aChildReusingOneConnectionGetsNoVerdictAndExit0() async throws {
        let server = try await Server.start()
        let result = try await doctor(probe: "reuse", server: server, arguments: ["--watch", "3", "--interval", "100", "--json"])
        server.shutdown()
        #expect(result.status == 0)
        let report = try JSONDecoder().decode(DoctorReport.self, from: Data(result.output.utf8))
        #expect(!report.leakFound)
        #expect(report.verdicts.isEmpty)
        let group = report.groups.first { $0.group.direction == .outbound && $0.group.endpoint.port == UInt16(server.port) }
        #expect(group?.group.state == .established)
        #expect(group?.counts.peak == 1)
        #expect(report.watch.samples >= 25)
    }

    @Test func aBurstyPooledChildOfSixteenConnectionsGetsNoVerdictAndExit0() async throws {
        let server = try await Server.start()
        let result = try await doctor(probe: "bursty", server: server, arguments: ["--watch", "3", "--interval", "100", "--json"])
        server.shutdown()
        #expect(result.status == 0)
        let report = try JSONDecoder().decode(DoctorReport.self, from: Data(result.output.utf8))
        #expect(report.verdicts.isEmpty)
        let group = report.groups.first { $0.group.direction == .outbound && $0.group.state == .established }
        #expect(group?.counts.peak == 16)
        #expect(server.acceptedConnections == 16)
    }

    @Test func aChildLeavingSocketsInCloseWaitGetsTheCloseWaitVerdict() async throws {
        let server = try await Server.start(closeEach: true)
        let result = try await doctor(probe: "closewait", server: server, arguments: ["--watch", "2", "--interval", "100", "--json"])
        server.shutdown()
        #expect(result.status == 3)
        let report = try JSONDecoder().decode(DoctorReport.self, from: Data(result.output.utf8))
        let verdict = report.verdicts.first { $0.kind == .closeWait }
        #expect(verdict?.group?.endpoint.description == "127.0.0.1:\(server.port)")
        #expect(verdict?.group?.state == .closeWait)
        #expect(verdict?.finding.starts(with: "24 connections") == true)
    }

    @Test func aCommandsWholeTreeIsFollowedUntilItExits() async throws {
        let server = try await Server.start()
        let probe = try ChildProcess.product("CourierLeakProbe")
        // The probe runs as a child of sh, so only following the tree can see its sockets.
        let result = try await ChildProcess.run(
            try ChildProcess.product("courier"),
            ["doctor", "--interval", "100", "--", "sh", "-c", "\"$0\" leak \(server.port) 3; exit 0", probe.path]
        )
        server.shutdown()
        print("doctor -- sh -c probe leak exited \(result.status):\n\(result.output)\(result.errors)")
        #expect(result.status == 3)
        #expect(result.output.contains("courier doctor: command `sh -c"))
        #expect(result.output.contains("exit status 0"))
        #expect(result.output.contains("LEAK: ESTABLISHED connections to 127.0.0.1:\(server.port) grew steadily"))
        #expect(result.output.contains("CourierLeakPro"))  // the child's row (comm is cut to 15 bytes)
    }

    @Test func withoutALeakTheCommandsOwnStatusIsTheExitStatus() async throws {
        let courier = try ChildProcess.product("courier")
        for status: Int32 in [0, 7, 64] {
            let result = try await ChildProcess.run(courier, ["doctor", "--json", "--", "sh", "-c", "exit \(status)"])
            #expect(result.status == status)
            let report = try JSONDecoder().decode(DoctorReport.self, from: Data(result.output.utf8))
            #expect(report.target.exitStatus == status)
        }
        let missing = try await ChildProcess.run(courier, ["doctor", "--", "/nonexistent/command"])
        #expect(missing.status == 127)
        #expect(missing.errors.contains("cannot run '/nonexistent/command'"))
    }

    @Test func usageErrorsExit2AndAMissingProcessExits1SayingNotFound() async throws {
        let courier = try ChildProcess.product("courier")
        for arguments in [["doctor"], ["doctor", "--pid", "1", "--", "true"], ["doctor", "--pid", "1", "--interval", "0"], ["doctor", "--pid", "1", "--watch", "-1"]] {
            let result = try await ChildProcess.run(courier, arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.errors.split(separator: "\n").count == 1, "\(arguments): \(result.errors)")
        }
        // The highest pid Linux allows is 4194304 (2^22); a larger one never exists.
        let missing = try await ChildProcess.run(courier, ["doctor", "--pid", "4194305"])
        #expect(missing.status == 1)
        #expect(missing.errors.contains("process 4194305 not found"))
    }

    @Test func oneSampleOfItselfNeedsNoWatch() async throws {
        let result = try await ChildProcess.run(try ChildProcess.product("courier"), ["doctor", "--pid", "\(getpid())"])
        #expect(result.status == 0)
        #expect(result.output.contains("courier doctor: process \(getpid())"))
        #expect(result.output.contains("One sample."))
    }

    /// Done-when: `doctor -- courier submit …` shows peak sockets equal to the connection limit.
    @Test func doctorWatchingSubmitSeesPeakSocketsEqualToTheConnectionLimit() async throws {
        var behavior = TestServerBehavior()
        behavior.responseDelayMilliseconds = 20
        let server = try await TestServer.start(behavior: behavior)
        let (root, _, _) = try CommandFixture.flatTree(count: 400)
        let courier = try ChildProcess.product("courier")
        let result = try await ChildProcess.run(
            courier,
            ["doctor", "--interval", "20", "--json", "--", courier.path, "submit", "-q", "-c", "8", "--max-connections", "4",
             server.url("/in"), root])
        print("doctor -- courier submit exited \(result.status): \(result.errors)")
        #expect(result.status == 0)
        let report = try JSONDecoder().decode(DoctorReport.self, from: Data(result.output.utf8))
        #expect(report.verdicts.isEmpty)
        let group = report.groups.first {
            $0.group.direction == .outbound && $0.group.state == .established && $0.group.endpoint.port == UInt16(server.port)
        }
        #expect(group?.counts.peak == 4)
        #expect(server.acceptedConnections == 4)
        try await server.shutdown()
    }
}
}
