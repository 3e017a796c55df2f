import Foundation

/// A user name and password for a proxy, taken from the proxy URL's user information and sent to the proxy only,
/// as `Proxy-Authorization: Basic …` (RFC 9110 §11.7.2, RFC 7617).
///
/// Never shown: its description, debug description and mirror all print `<redacted>`, so interpolating it, a
/// ``ProxyServer`` or a ``ProxyDecision`` into a log message or `dump`ing it reveals nothing.
struct ProxyCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The user name, percent-decoded (never contains `:`).
    let user: String
    /// The password, percent-decoded; empty when the URL had none.
    let password: String

    /// The `Proxy-Authorization` header value: `Basic ` and the Base64 of the UTF-8 bytes of `user:password`.
    var basicAuthorization: String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    var description: String { "<redacted>" }
    var debugDescription: String { "ProxyCredentials(<redacted>)" }
    var customMirror: Mirror { Mirror(self, children: ["credentials": "<redacted>"]) }
}
