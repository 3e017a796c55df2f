import Foundation

/// How a client chooses the HTTP proxy for each request. Default: ``environment``.
///
/// - ``environment`` reads `http_proxy`/`HTTP_PROXY` (for `http://` targets), `https_proxy`/`HTTPS_PROXY` (for
///   `https://` targets, through a CONNECT tunnel) and `no_proxy`/`NO_PROXY`, once, when the client is created:
///   - where both spellings are set, the lower-case one wins (curl's rule); an empty value counts as unset;
///   - `HTTP_PROXY` (upper case) is ignored when `REQUEST_METHOD` is set, because in a CGI program it can come
///     from a request's `Proxy:` header ("httpoxy", CVE-2016-5385); `http_proxy` is still honoured;
///   - `ALL_PROXY` is not read, and an `https://` target never falls back to `http_proxy`.
/// - ``none`` never uses a proxy and reads nothing.
/// - `url(_:noProxy:proxyLoopback:)` sends every `http://` and `https://` request through one proxy
///   (the environment is not read), except targets matching its `noProxy` list.
///
/// A proxy URL is `http://[user[:password]@]host[:port]`: without a scheme, `http://` is assumed; without a port,
/// 80; the user name and password are percent-decoded and sent only to the proxy, as `Proxy-Authorization: Basic …`.
/// Only `http://` proxies are supported; an `https://` or `socks*://` proxy URL makes requests that would use it
/// fail with an error naming where the URL came from (never its credentials).
///
/// A no-proxy list (`NO_PROXY`, or ``noProxy``) holds entries separated by commas or whitespace: `*` (every
/// target); a host name, with or without a leading `.` or `*.` (the name and its subdomains, case-insensitive,
/// a trailing dot ignored); an IPv4 or IPv6 address, IPv6 with or without brackets (compared by value); a CIDR
/// range (`10.0.0.0/8`, `fd00::/8`); any of these with `:port` (IPv6 in brackets: `[::1]:8080`) to match only
/// that port. Names are never resolved: a name entry matches only that name as written in request URLs.
///
/// Loopback targets — `localhost`, any name ending in `.localhost`, 127.0.0.0/8 and `::1` (also written
/// `::ffff:127.x.y.z`) — go directly, not through the proxy, unless ``proxyLoopback`` is `true`: a remote proxy
/// would reach *its own* loopback interface, not this machine's.
///
/// The description never shows credentials: `http://user:pw@proxy:3128` is printed `http://***@proxy:3128`.
public struct ProxySetting: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    enum Mode: Sendable, Hashable {
        case environment
        case none
        case url(String)
    }

    let mode: Mode

    /// Extra no-proxy entries (the `NO_PROXY` syntax; each element may itself hold several entries). With
    /// ``environment`` they apply in addition to `no_proxy`/`NO_PROXY`; with `url(_:noProxy:proxyLoopback:)`
    /// they are the whole list; with ``none`` they mean nothing. Default: empty.
    public var noProxy: [String]

    /// Whether requests to loopback names and addresses (`localhost`, `*.localhost`, 127.0.0.0/8, `::1`) go
    /// through the proxy too. Default `false`: they go directly, by the usual convention. A no-proxy entry still
    /// sends a matching loopback target directly when this is `true`.
    public var proxyLoopback: Bool

    init(mode: Mode, noProxy: [String], proxyLoopback: Bool) {
        self.mode = mode
        self.noProxy = noProxy
        self.proxyLoopback = proxyLoopback
    }

    /// Default: the proxy from the environment (`http_proxy`, `https_proxy`, `no_proxy` and their upper-case
    /// forms), loopback targets bypassing it.
    public static let environment = ProxySetting(mode: .environment, noProxy: [], proxyLoopback: false)

    /// The proxy from the environment, with extra no-proxy entries and the loopback rule chosen.
    ///
    /// - Parameters:
    ///   - noProxy: entries added to those of `no_proxy`/`NO_PROXY`. Default: none.
    ///   - proxyLoopback: `true` to send loopback targets through the proxy too. Default `false`.
    public static func environment(noProxy: [String] = [], proxyLoopback: Bool = false) -> ProxySetting {
        ProxySetting(mode: .environment, noProxy: noProxy, proxyLoopback: proxyLoopback)
    }

    /// No proxy: every request connects to its origin directly, whatever the environment says.
    public static let none = ProxySetting(mode: .none, noProxy: [], proxyLoopback: false)

    /// One proxy for every `http://` and `https://` request; the environment is not read.
    ///
    /// - Parameters:
    ///   - url: the proxy, such as `http://proxy.example:3128` or `user:p%40ss@10.0.0.1:8080` (scheme `http://`
    ///     when missing, port 80 when missing). It is checked when a request would use it: an invalid one fails
    ///     that request with an error saying what is wrong.
    ///   - noProxy: targets that go directly, in the `NO_PROXY` syntax. Default: none.
    ///   - proxyLoopback: `true` to send loopback targets through the proxy too. Default `false`.
    public static func url(_ url: String, noProxy: [String] = [], proxyLoopback: Bool = false) -> ProxySetting {
        ProxySetting(mode: .url(url), noProxy: noProxy, proxyLoopback: proxyLoopback)
    }

    /// One proxy for every `http://` and `https://` request; the environment is not read. The same as
    /// `url(_:noProxy:proxyLoopback:)` with `url.absoluteString`.
    public static func url(_ url: URL, noProxy: [String] = [], proxyLoopback: Bool = false) -> ProxySetting {
        ProxySetting(mode: .url(url.absoluteString), noProxy: noProxy, proxyLoopback: proxyLoopback)
    }

    /// `.environment`, `.none` or `.url(http://***@proxy:3128)`, with non-default options; credentials redacted.
    /// Why the proxy URL of a ``url(_:noProxy:proxyLoopback:)`` setting cannot be used (naming the problem, never
    /// credentials); `nil` when it can, and for other settings (the environment is checked per request).
    public var urlProblem: String? {
        guard case .url(let value) = mode else { return nil }
        do {
            _ = try ProxyServer.parse(value, source: ProxyEnvironment.urlSource)
            return nil
        } catch {
            return "\(error)"
        }
    }

    public var description: String {
        var options: [String] = []
        let name: String
        switch mode {
        case .environment: name = ".environment"
        case .none: name = ".none"
        case .url(let url): name = ".url"; options.append(ProxyServer.redacted(url))
        }
        if !noProxy.isEmpty { options.append("noProxy: \(noProxy)") }
        if proxyLoopback { options.append("proxyLoopback: true") }
        return options.isEmpty ? name : "\(name)(\(options.joined(separator: ", ")))"
    }

    /// The same as ``description``: credentials redacted.
    public var debugDescription: String { "ProxySetting\(description)" }

    /// A mirror showing only ``description``, so `dump` reveals no credentials.
    public var customMirror: Mirror { Mirror(self, children: ["setting": description]) }
}
