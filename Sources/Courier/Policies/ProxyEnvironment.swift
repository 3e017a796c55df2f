/// Decides, for each request target, whether to use a proxy and which — a pure function of a ``ProxySetting``
/// and an environment given as a dictionary (never read from the process here).
///
/// Variables are read once, at `init`; proxy URLs are parsed then too, but an invalid one is reported only for
/// requests that would use it (an unusable `HTTPS_PROXY` does not break `http://` requests, nor targets in
/// `NO_PROXY`). For one target, the first rule that applies decides:
///
/// 1. ``ProxySetting/none``: direct (`proxyDisabled`).
/// 2. A target scheme other than `http` and `https`: direct (`unsupportedTargetScheme`).
/// 3. No proxy for the scheme: direct (`noProxyConfigured`, or `httpProxyIgnoredInCGI`). `.url` sets one for both
///    schemes; `http` reads `http_proxy`, then `HTTP_PROXY` (skipped when `REQUEST_METHOD` is set); `https` reads
///    `https_proxy`, then `HTTPS_PROXY`. An empty or blank value is unset.
/// 4. A loopback target while `proxyLoopback` is `false`: direct (`loopback`).
/// 5. A matching no-proxy entry (`no_proxy`, else `NO_PROXY`, then ``ProxySetting/noProxy``): direct (`noProxyEntry`).
/// 6. An invalid proxy URL: ``ProxyConfigurationError`` naming the variable.
/// 7. Otherwise: through the proxy.
struct ProxyEnvironment: Sendable {
    /// A proxy setting for one target scheme: where it came from and the parsed URL (or why it is unusable).
    private struct Configured: Sendable {
        var source: String
        var server: Result<ProxyServer, ProxyConfigurationError>

        init(source: String, value: String) {
            self.source = source
            do {
                server = .success(try ProxyServer.parse(value, source: source))
            } catch {
                server = .failure(error)
            }
        }
    }

    private var disabled = false
    private var http: Configured?
    private var https: Configured?
    /// Whether `HTTP_PROXY` was set but ignored because `REQUEST_METHOD` is set.
    private(set) var ignoredHTTPProxyInCGI = false
    /// The combined no-proxy list, and where each part came from.
    private var noProxyLists: [(matcher: NoProxyMatcher, source: String)] = []
    /// Whether loopback targets use the proxy (see ``ProxySetting/proxyLoopback``).
    private(set) var proxyLoopback: Bool

    /// The source name used for `ProxySetting.url(_:noProxy:proxyLoopback:)`.
    static let urlSource = "ProxySetting.url"
    /// The source name used for ``ProxySetting/noProxy``.
    static let noProxySource = "ProxySetting.noProxy"

    /// The proxy rules of `setting`, reading `environment` only for ``ProxySetting/environment``.
    init(setting: ProxySetting, environment: [String: String]) {
        proxyLoopback = setting.proxyLoopback
        switch setting.mode {
        case .none:
            disabled = true
            return
        case .url(let url):
            let configured = Configured(source: ProxyEnvironment.urlSource, value: url)
            http = configured
            https = configured
        case .environment:
            let isCGI = ProxyEnvironment.value(of: "REQUEST_METHOD", in: environment) != nil
            if let value = ProxyEnvironment.value(of: "http_proxy", in: environment) {
                http = Configured(source: "http_proxy", value: value)
            } else if let value = ProxyEnvironment.value(of: "HTTP_PROXY", in: environment) {
                if isCGI {
                    ignoredHTTPProxyInCGI = true
                } else {
                    http = Configured(source: "HTTP_PROXY", value: value)
                }
            }
            if let (name, value) = ProxyEnvironment.lookup("https_proxy", in: environment) {
                https = Configured(source: name, value: value)
            }
            if let (name, value) = ProxyEnvironment.lookup("no_proxy", in: environment) {
                noProxyLists.append((NoProxyMatcher(value), name))
            }
        }
        let extra = NoProxyMatcher(setting.noProxy.joined(separator: ","))
        if !extra.isEmpty || !extra.invalidEntries.isEmpty {
            noProxyLists.append((extra, ProxyEnvironment.noProxySource))
        }
    }

    /// Proxy rules from the environment alone (``ProxySetting/environment``).
    init(environment: [String: String], proxyLoopback: Bool = false) {
        self.init(setting: .environment(proxyLoopback: proxyLoopback), environment: environment)
    }

    /// Whether no request can go through a proxy (proxies disabled, or none configured for either scheme): the
    /// client then skips the per-request decision.
    var alwaysDirect: Bool { disabled || (http == nil && https == nil) }

    /// No-proxy entries that were not understood and match nothing, with their source (`NO_PROXY: 10.0.0`), for
    /// a warning.
    var invalidNoProxyEntries: [String] {
        noProxyLists.flatMap { list in list.matcher.invalidEntries.map { "\(list.source): \($0)" } }
    }

    /// The decision for a request to `origin`.
    func decision(for origin: Origin) throws(ProxyConfigurationError) -> ProxyDecision {
        try decision(scheme: origin.scheme, host: origin.host, port: origin.port)
    }

    /// The decision for a request to `scheme://host:port`.
    ///
    /// - Parameters:
    ///   - scheme: the target's scheme, any case.
    ///   - host: a name or IP address; IPv6 with or without brackets.
    ///   - port: the effective port (the scheme's default when the URL has none).
    /// - Throws: ``ProxyConfigurationError`` when the proxy this request would use has an invalid URL.
    func decision(scheme: String, host: String, port: Int) throws(ProxyConfigurationError) -> ProxyDecision {
        if disabled { return .direct(.proxyDisabled) }
        let scheme = scheme.lowercased()
        let configured: Configured?
        switch scheme {
        case "http": configured = http
        case "https": configured = https
        default: return .direct(.unsupportedTargetScheme(scheme))
        }
        guard let configured else {
            if scheme == "http" && ignoredHTTPProxyInCGI { return .direct(.httpProxyIgnoredInCGI) }
            return .direct(.noProxyConfigured(scheme: scheme))
        }
        let target = NoProxyMatcher.TargetHost(host)
        if !proxyLoopback && target.isLoopback { return .direct(.loopback) }
        for list in noProxyLists {
            if let entry = list.matcher.match(target, port: port) {
                return .direct(.noProxyEntry(entry.text, source: list.source))
            }
        }
        switch configured.server {
        case .success(let server): return .proxy(server, source: configured.source)
        case .failure(let error): throw error
        }
    }

    /// The value of `lowercaseName`, else of its upper-case form, skipping empty values: `(name, value)`.
    private static func lookup(_ lowercaseName: String, in environment: [String: String]) -> (String, String)? {
        if let value = value(of: lowercaseName, in: environment) { return (lowercaseName, value) }
        let uppercaseName = lowercaseName.uppercased()
        if let value = value(of: uppercaseName, in: environment) { return (uppercaseName, value) }
        return nil
    }

    /// The variable's value, or `nil` when it is unset, empty or only whitespace.
    private static func value(of name: String, in environment: [String: String]) -> String? {
        guard let value = environment[name],
            value.contains(where: { !($0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n") })
        else { return nil }
        return value
    }
}
