/// Whether one request goes through a proxy, and why: what ``ProxyEnvironment`` decided for its target.
///
/// Its description never contains credentials (a ``ProxyServer`` prints `***@` in their place).
enum ProxyDecision: Sendable, Equatable, CustomStringConvertible {
    /// Why a request goes directly to its origin.
    enum DirectReason: Sendable, Equatable {
        /// The client was configured with ``ProxySetting/none``.
        case proxyDisabled
        /// No proxy is set for the target's scheme (`http` or `https`): neither variable was set, or both were empty.
        case noProxyConfigured(scheme: String)
        /// Only `HTTP_PROXY` was set, and `REQUEST_METHOD` is set too: in a CGI program `HTTP_PROXY` may come from
        /// a request's `Proxy:` header ("httpoxy"), so it is ignored. `http_proxy` would still be used.
        case httpProxyIgnoredInCGI
        /// The target is a loopback name or address and ``ProxySetting/proxyLoopback`` is `false`.
        case loopback
        /// An entry of a no-proxy list matched; `source` is `no_proxy`, `NO_PROXY` or `ProxySetting.noProxy`.
        case noProxyEntry(String, source: String)
        /// The target's scheme is neither `http` nor `https`.
        case unsupportedTargetScheme(String)
    }

    /// Connect straight to the origin.
    case direct(DirectReason)
    /// Go through `server`; `source` names where it was configured (`https_proxy`, `HTTP_PROXY`,
    /// `ProxySetting.url`…).
    case proxy(ProxyServer, source: String)

    /// The proxy to use, if any.
    var server: ProxyServer? {
        if case .proxy(let server, _) = self { return server }
        return nil
    }

    var description: String {
        switch self {
        case .proxy(let server, let source): return "through \(server) (from \(source))"
        case .direct(.proxyDisabled): return "direct: proxies are disabled"
        case .direct(.noProxyConfigured(let scheme)): return "direct: no proxy is set for \(scheme) requests"
        case .direct(.httpProxyIgnoredInCGI):
            return "direct: HTTP_PROXY is ignored because REQUEST_METHOD is set (CGI, httpoxy); use http_proxy"
        case .direct(.loopback): return "direct: loopback targets bypass the proxy (proxyLoopback is false)"
        case .direct(.noProxyEntry(let entry, let source)): return "direct: '\(entry)' in \(source) matches"
        case .direct(.unsupportedTargetScheme(let scheme)): return "direct: no proxy is used for \(scheme) requests"
        }
    }
}
