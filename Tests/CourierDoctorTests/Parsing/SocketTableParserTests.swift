@testable import CourierDoctor
import Testing

@Suite struct SocketTableParserTests {
    func endpoint(_ text: String) -> SocketEndpoint { SocketEndpoint(text: text)! }

    @Test func parsesCapturedIPv4TableWithEveryStateItHolds() {
        let result = SocketTableParser.parse(ProcSamples.tcp, source: "tcp", byteOrder: .littleEndian)
        #expect(result.malformed.isEmpty)
        #expect(result.entries.count == 10)
        #expect(Set(result.entries.map(\.state)) == [.listen, .established, .timeWait, .finWait2, .closeWait])
        let established = result.entries.first { $0.inode == 629430 }!
        #expect(established.local == endpoint("127.0.0.1:46818"))
        #expect(established.remote == endpoint("127.0.0.1:41409"))
        #expect(established.state == .established)
        #expect(established.uid == 0)
        let closeWait = result.entries.first { $0.inode == 629433 }!
        #expect(closeWait.state == .closeWait)
        #expect(closeWait.remote.port == 0xB013)
        let timeWait = result.entries.first { $0.state == .timeWait }!
        #expect(timeWait.inode == 0)  // belongs to no process
        let wildcard = result.entries.first { $0.inode == 1597 }!
        #expect(wildcard.local == endpoint("0.0.0.0:2024"))
        #expect(wildcard.remote.address.isUnspecified)
    }

    @Test func parsesCapturedIPv6TableIncludingLoopbackWildcardAndIPv4Mapped() {
        let result = SocketTableParser.parse(ProcSamples.tcp6, source: "tcp6", byteOrder: .littleEndian)
        #expect(result.malformed.isEmpty)
        #expect(result.entries.count == 10)
        #expect(Set(result.entries.map(\.state)) == [.listen, .established, .timeWait, .finWait2, .closeWait])
        let client = result.entries.first { $0.inode == 629439 }!
        #expect(client.local.description == "[::1]:35574")
        #expect(client.remote.description == "[::1]:59349")
        let dualStack = result.entries.first { $0.inode == 629447 }!
        #expect(dualStack.local.description == "[::]:38353")
        #expect(dualStack.state == .listen)
        let mapped = result.entries.first { $0.inode == 629449 }!
        #expect(mapped.local.description == "[::ffff:127.0.0.1]:38353")
        #expect(mapped.remote.description == "[::ffff:127.0.0.1]:46716")
    }

    @Test func parsesCapturedSynSentRowsAndAFinWait1Row() {
        let v4 = SocketTableParser.parse(ProcSamples.tcpSynSent, source: "tcp", byteOrder: .littleEndian)
        let v6 = SocketTableParser.parse(ProcSamples.tcp6SynSent, source: "tcp6", byteOrder: .littleEndian)
        #expect(v4.malformed.isEmpty && v6.malformed.isEmpty)
        #expect(v4.entries.filter { $0.state == .synSent }.count == 3)
        #expect(v6.entries.filter { $0.state == .synSent }.count == 3)
        #expect(v6.entries.first { $0.state == .synSent }!.remote.address.description == "::1")
        let finWait1 = SocketTableParser.parse(ProcSamples.finWait1Row, source: "tcp", byteOrder: .littleEndian)
        #expect(finWait1.entries.map(\.state) == [.finWait1])
    }

    /// States not captured live (SYN_RECV, CLOSE, LAST_ACK, CLOSING, NEW_SYN_RECV are too brief to catch on
    /// loopback) are checked on a captured row with its state column replaced: every code 01-0C, both families.
    @Test(arguments: TCPState.allCases)
    func everyStateCodeParses(state: TCPState) {
        let code = String(state.rawValue, radix: 16, uppercase: true)
        let hex = code.count == 1 ? "0" + code : code
        let v4 = "   4: 0100007F:A1C1 0100007F:B6E2 \(hex) 00000000:00000000 00:00000000 00000000     0        0 629431 1 00000000f5102f0a 20 0 0 10 -1"
        let v6 = "   4: 00000000000000000000000001000000:8AF6 00000000000000000000000001000000:E7D5 \(hex) 00000000:00000000 00:00000000 00000000     0        0 629439 2 00000000a8db7ba1 20 0 0 10 -1"
        #expect(SocketTableParser.parse(v4, source: "tcp", byteOrder: .littleEndian).entries.map(\.state) == [state])
        #expect(SocketTableParser.parse(v6, source: "tcp6", byteOrder: .littleEndian).entries.map(\.state) == [state])
    }

    @Test func stateNamesAreTheConventionalOnes() {
        #expect(TCPState.allCases.map(\.name) == [
            "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT",
            "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
        ])
    }

    @Test func malformedLinesAreReportedWithNumberAndReasonAndTheRestStillParses() {
        let text = [
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
            "   0: 0100007F:A1C1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 629429 1 0 100 0 0 10 0",
            "   1: 0100007F:A1C1 0100007F:B6E2 01 00000000:00000000",  // cut short
            "   2: 0100007G:A1C1 0100007F:B6E2 01 00000000:00000000 00:00000000 00000000     0        0 7 1 0",  // bad hex
            "   3: 0100007F:A1C1 0100007F:B6E2 0D 00000000:00000000 00:00000000 00000000     0        0 8 1 0",  // unknown state
            "   4: 0100007F:A1C1 0100007F:B6E2 01 00000000:00000000 00:00000000 00000000     0        0 x 1 0",  // inode
            "   5: 0100007F:A1C1 00000000000000000000000001000000:B6E2 01 0:0 00:0 0 0 0 9 1 0",  // mixed families
            "   6: 0100007F:A1C1 0100007F:B6E 01 00000000:00000000 00:00000000 00000000     0        0 10 1 0",  // port
            "garbage",
            "",
            "   9: 0100007F:B6E2 0100007F:A1C1 01 00000000:00000000 00:00000000 00000000     0        0 629430 2 0 20 0 0 10 -1",
        ].joined(separator: "\n")
        let result = SocketTableParser.parse(text, source: "/proc/1/net/tcp", byteOrder: .littleEndian)
        #expect(result.entries.map(\.inode) == [629429, 629430])
        #expect(result.malformed.map(\.lineNumber) == [3, 4, 5, 6, 7, 8, 9])
        #expect(result.malformed.allSatisfy { $0.source == "/proc/1/net/tcp" && !$0.reason.isEmpty })
        #expect(result.malformed[0].reason.contains("fields"))
        #expect(result.malformed[1].reason.contains("local address"))
        #expect(result.malformed[2].reason.contains("unknown state"))
        #expect(result.malformed[3].reason.contains("inode"))
        #expect(result.malformed[4].reason.contains("families"))
        #expect(result.malformed[5].reason.contains("remote address"))
    }

    @Test func bigEndianMachinesWriteAddressesTheOtherWayRound() {
        let row = "   0: 7F000001:1F90 7F000001:C350 01 00000000:00000000 00:00000000 00000000  1000        0 42 1 0"
        let entry = SocketTableParser.parse(row, source: "tcp", byteOrder: .bigEndian).entries.first!
        #expect(entry.local.description == "127.0.0.1:8080")
        #expect(entry.remote.description == "127.0.0.1:50000")
        #expect(entry.uid == 1000)
    }

    @Test func udpTablesShareTheFormat() {
        let v4 = SocketTableParser.parse(ProcSamples.udp, source: "udp", byteOrder: .littleEndian)
        let v6 = SocketTableParser.parse(ProcSamples.udp6, source: "udp6", byteOrder: .littleEndian)
        #expect(v4.entries.map(\.inode) == [629450])
        #expect(v4.entries.first?.state == .close)
        #expect(v6.entries.map(\.inode) == [629451])
        #expect(v6.entries.first?.local.address.description == "::1")
        #expect(v4.malformed.isEmpty && v6.malformed.isEmpty)
    }
}
