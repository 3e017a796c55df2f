/// The key of the connection pool: connections are shared only between requests with the same origin.
///
/// | scheme | host                | port | proxy      | meaning                                         |
/// |--------|---------------------|------|------------|-------------------------------------------------|
/// | http   | lower-cased name    | 80   | —          | `http://Example.com/` and alike                 |
/// | http   | IPv6 literal, no [] | 8080 | —          | `http://[::1]:8080/`                            |
/// | https  | lower-cased name    | 443  | —          | `https://example.com/`                          |
/// | https  | target name         | 443  | proxy      | a CONNECT tunnel through that proxy to the target |
/// | http   | the proxy's host    | port | —          | plain-http requests through a proxy share these |
///
/// TLS settings are per ``Client``, so one pool never mixes connections with different trust settings.
public struct Origin: Hashable, Sendable, CustomStringConvertible {
    /// `http` or `https`.
    public var scheme: String { didSet { digest = Self.digest(scheme, host, port, tunnelProxy) } }
    /// Host name (lower-cased) or IP literal without brackets.
    public var host: String { didSet { digest = Self.digest(scheme, host, port, tunnelProxy) } }
    /// TCP port.
    public var port: Int { didSet { digest = Self.digest(scheme, host, port, tunnelProxy) } }
    /// The proxy a tunnel to this origin goes through (credentials included, so tunnels opened with different
    /// credentials never mix); `nil` for a direct connection.
    var tunnelProxy: ProxyServer? { didSet { digest = Self.digest(scheme, host, port, tunnelProxy) } }
    /// The hash of the fields, computed when they are set: the pool looks origins up several times per request,
    /// and hashing the strings each time was a measurable part of a request's cost.
    private var digest: Int

    /// Creates an origin reached directly; `host` is lower-cased.
    public init(scheme: String, host: String, port: Int) {
        self.init(scheme: scheme, host: host, port: port, tunnelProxy: nil)
    }

    /// Creates an origin, reached through a CONNECT tunnel when `tunnelProxy` is set.
    init(scheme: String, host: String, port: Int, tunnelProxy: ProxyServer?) {
        self.scheme = scheme.lowercased()
        self.host = host.lowercased()
        self.port = port
        self.tunnelProxy = tunnelProxy
        self.digest = Self.digest(self.scheme, self.host, port, tunnelProxy)
    }

    private static func digest(_ scheme: String, _ host: String, _ port: Int, _ tunnelProxy: ProxyServer?) -> Int {
        var hasher = Hasher()
        hasher.combine(scheme)
        hasher.combine(host)
        hasher.combine(port)
        hasher.combine(tunnelProxy)
        return hasher.finalize()
    }

    /// Two origins are equal when scheme, host, port and tunnel proxy are (the stored hash is compared first).
    public static func == (lhs: Origin, rhs: Origin) -> Bool {
        lhs.digest == rhs.digest && lhs.port == rhs.port && lhs.host == rhs.host && lhs.scheme == rhs.scheme
            && lhs.tunnelProxy == rhs.tunnelProxy
    }

    /// Feeds the hash computed when the fields were set: consistent with ``==``, and free of string hashing.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(digest)
    }

    /// The proxy a tunnel to this origin goes through (`http://host:port`, credentials shown as `***`), if any.
    public var proxy: String? { tunnelProxy?.description }

    public var description: String {
        let base = host.contains(":") ? "\(scheme)://[\(host)]:\(port)" : "\(scheme)://\(host):\(port)"
        guard let tunnelProxy else { return base }
        return "\(base) via \(tunnelProxy)"
    }
}
