import Courier
import Testing

/// The messages a person reads: each names what went wrong and the values that matter.
@Suite struct CourierErrorTests {
    @Test func messagesNameWhatWentWrong() {
        let cases: [(CourierError, [String])] = [
            (.connectionRefused(host: "127.0.0.1", port: 8080), ["connection refused", "127.0.0.1:8080"]),
            (.connectionRefused(host: "::1", port: 8080), ["connection refused", "[::1]:8080"]),
            (.hostNotFound(host: "nowhere.test"), ["host not found", "'nowhere.test'"]),
            (.connectionClosedBeforeResponse(reason: "the server closed the connection"),
             ["closed before a response arrived", "the server closed the connection"]),
            (.connectionClosedDuringBody(reason: "reset"), ["before the response body was complete", "reset"]),
            (.malformedResponse(reason: "the status line is not HTTP/1.x"), ["malformed response", "status line"]),
            (.responseHeadTooLarge(limit: 65_536), ["header section", "65536 bytes"]),
            (.bodyTooLarge(limit: 1024), ["response body too large", "1024 bytes"]),
            (.bodyReadAfterScope, ["read after its execute scope", "inside the closure"]),
            (.bodyLengthMismatch(expected: 10, actual: 4), ["declared 10 bytes", "ended after 4"]),
            (.bodyLengthMismatch(expected: 10, actual: 11), ["declared 10 bytes", "at least 11"]),
            (.invalidRequest(field: "header 'X-A'", reason: "the value contains CR"), ["invalid request", "header 'X-A'", "CR"]),
            (.invalidURL(url: "ftp://h/", reason: "the scheme 'ftp' is not supported"), ["invalid URL 'ftp://h/'", "ftp"]),
            (.stalled(timeout: .seconds(60)), ["stalled", "60"]),
            (.cancelled, ["cancelled"]),
            (.shutdown, ["shut down"]),
            (.ioFailed(reason: "Broken pipe"), ["I/O failed", "Broken pipe"]),
        ]
        for (error, parts) in cases {
            for part in parts {
                #expect(error.description.contains(part), "\(error.description) lacks '\(part)'")
            }
            // A sentence for a person, not a dump of the enum.
            #expect(!error.description.contains("CourierError"), "\(error.description)")
            #expect(!error.description.contains("reason:") && !error.description.contains("limit:"), "\(error.description)")
        }
    }
}
