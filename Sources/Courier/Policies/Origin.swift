/// The key of the connection pool: connections are shared only between requests with the same origin.
///
/// | scheme | host               | port | meaning                          |
/// |--------|--------------------|------|----------------------------------|
/// | http   | lower-cased name   | 80   | `http://Example.com/` and alike  |
/// | http   | IPv6 literal, no [] | 8080 | `http://[::1]:8080/`             |
///
/// TLS and proxy settings will join the key when they exist, so connections with different settings never mix.
public struct Origin: Hashable, Sendable, CustomStringConvertible {
    /// `http` (`https` arrives with TLS support).
    public var scheme: String
    /// Host name (lower-cased) or IP literal without brackets.
    public var host: String
    /// TCP port.
    public var port: Int

    /// Creates an origin; `host` is lower-cased.
    public init(scheme: String, host: String, port: Int) {
        self.scheme = scheme.lowercased()
        self.host = host.lowercased()
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "\(scheme)://[\(host)]:\(port)" : "\(scheme)://\(host):\(port)"
    }
}
