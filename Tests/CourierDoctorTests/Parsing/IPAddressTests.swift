@testable import CourierDoctor
import Testing

@Suite struct IPAddressTests {
    func v6(_ groups: [UInt16]) -> IPAddress {
        IPAddress(bytes: groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] })!
    }

    @Test func ipv6TextFollowsRFC5952() {
        #expect(v6([0, 0, 0, 0, 0, 0, 0, 1]).description == "::1")
        #expect(v6([0, 0, 0, 0, 0, 0, 0, 0]).description == "::")
        #expect(v6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]).description == "2001:db8::1:0:0:1")  // first of equal runs
        #expect(v6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]).description == "2001:db8:0:1:1:1:1:1")  // one zero group stays
        #expect(v6([0x2001, 0, 0, 1, 0, 0, 0, 1]).description == "2001:0:0:1::1")  // the longest run
        #expect(v6([0xfe80, 0, 0, 0, 0xabcd, 0, 0, 0]).description == "fe80::abcd:0:0:0")
        #expect(v6([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]).description == "::ffff:127.0.0.1")
    }

    @Test func procHexIsReadPerWordInTheMachinesByteOrder() {
        #expect(IPAddress(procHex: "0100007F", byteOrder: .littleEndian)?.description == "127.0.0.1")
        #expect(IPAddress(procHex: "7F000001", byteOrder: .bigEndian)?.description == "127.0.0.1")
        #expect(IPAddress(procHex: "00000000000000000000000001000000", byteOrder: .littleEndian)?.description == "::1")
        #expect(IPAddress(procHex: "B80D0120000000000000000001000000", byteOrder: .littleEndian)?.description == "2001:db8::1")
        #expect(IPAddress(procHex: "0100007", byteOrder: .littleEndian) == nil)
        #expect(IPAddress(procHex: "0100007Z", byteOrder: .littleEndian) == nil)
    }

    @Test func endpointsRoundTripThroughTheirText() {
        for text in ["127.0.0.1:8080", "[::1]:443", "[::]:0", "[::ffff:127.0.0.1]:38353", "[2001:db8::1:0:0:1]:1"] {
            #expect(SocketEndpoint(text: text)?.description == text)
        }
        #expect(SocketEndpoint(text: "127.0.0.1") == nil)
        #expect(SocketEndpoint(text: "[1::2::3]:80") == nil)
        #expect(SocketEndpoint(text: "300.0.0.1:80") == nil)
    }
}
