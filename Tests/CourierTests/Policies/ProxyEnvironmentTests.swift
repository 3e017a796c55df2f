import Foundation
import Testing

@testable import Courier

@Suite struct ProxyEnvironmentTests {
    /// What a decision boils down to, for tables.
    enum Outcome: Equatable, CustomStringConvertible {
        case direct(ProxyDecision.DirectReason)
        /// host, port, source variable
        case proxy(String, Int, String)
        /// source, problem
        case failed(String, ProxyConfigurationError.Problem)

        var description: String {
            switch self {
            case .direct(let reason): "direct(\(reason))"
            case .proxy(let host, let port, let source): "proxy(\(host):\(port) from \(source))"
            case .failed(let source, let problem): "failed(\(source): \(problem))"
            }
        }
    }

    static func outcome(
        _ environment: [String: String], _ target: String, setting: ProxySetting = .environment
    ) -> Outcome {
        let url = URL(string: target)!
        let scheme = url.scheme!
        let port = url.port ?? (scheme.lowercased() == "https" ? 443 : 80)
        let host = URLComponents(url: url, resolvingAgainstBaseURL: false)!.percentEncodedHost!
        let rules = ProxyEnvironment(setting: setting, environment: environment)
        do {
            switch try rules.decision(scheme: scheme, host: host, port: port) {
            case .direct(let reason): return .direct(reason)
            case .proxy(let server, let source): return .proxy(server.host, server.port, source)
            }
        } catch {
            return .failed(error.source, error.problem)
        }
    }

    static func server(_ value: String) throws -> ProxyServer {
        try ProxyServer.parse(value, source: "http_proxy")
    }

    // MARK: which variable

    /// (environment, target URL, expected outcome, why)
    static let variables: [([String: String], String, Outcome, String)] = [
        ([:], "http://example.com/", .direct(.noProxyConfigured(scheme: "http")), "nothing set"),
        ([:], "https://example.com/", .direct(.noProxyConfigured(scheme: "https")), "nothing set, https"),
        (["http_proxy": "http://p:3128"], "http://example.com/", .proxy("p", 3128, "http_proxy"), "lower case"),
        (["HTTP_PROXY": "http://p:3128"], "http://example.com/", .proxy("p", 3128, "HTTP_PROXY"), "upper case"),
        (["http_proxy": "lower:1", "HTTP_PROXY": "upper:2"], "http://example.com/", .proxy("lower", 1, "http_proxy"),
         "lower case wins (curl)"),
        (["https_proxy": "lower:1", "HTTPS_PROXY": "upper:2"], "https://example.com/",
         .proxy("lower", 1, "https_proxy"), "lower case wins for https too"),
        (["http_proxy": "", "HTTP_PROXY": "upper:2"], "http://example.com/", .proxy("upper", 2, "HTTP_PROXY"),
         "empty lower case is unset"),
        (["http_proxy": " \t", "HTTP_PROXY": "upper:2"], "http://example.com/", .proxy("upper", 2, "HTTP_PROXY"),
         "blank lower case is unset"),
        (["http_proxy": "", "HTTP_PROXY": ""], "http://example.com/", .direct(.noProxyConfigured(scheme: "http")),
         "both empty"),
        (["https_proxy": "s:1"], "https://example.com/", .proxy("s", 1, "https_proxy"), "https target"),
        (["HTTPS_PROXY": "s:1"], "https://example.com/", .proxy("s", 1, "HTTPS_PROXY"), "https target, upper"),
        (["http_proxy": "p:1"], "https://example.com/", .direct(.noProxyConfigured(scheme: "https")),
         "https never falls back to http_proxy"),
        (["https_proxy": "s:1"], "http://example.com/", .direct(.noProxyConfigured(scheme: "http")),
         "http never uses https_proxy"),
        (["http_proxy": "p:1", "https_proxy": "s:2"], "http://example.com/", .proxy("p", 1, "http_proxy"), "http"),
        (["http_proxy": "p:1", "https_proxy": "s:2"], "https://example.com/", .proxy("s", 2, "https_proxy"),
         "https"),
        (["http_proxy": "p:1"], "HTTP://example.com/", .proxy("p", 1, "http_proxy"), "target scheme any case"),
        (["http_proxy": "p:1"], "ftp://example.com/", .direct(.unsupportedTargetScheme("ftp")), "ftp target"),
        (["Http_Proxy": "p:1"], "http://example.com/", .direct(.noProxyConfigured(scheme: "http")),
         "mixed-case names are not read"),
        (["ALL_PROXY": "p:1", "all_proxy": "p:1"], "http://example.com/",
         .direct(.noProxyConfigured(scheme: "http")), "ALL_PROXY is not read"),
        // httpoxy
        (["REQUEST_METHOD": "GET", "HTTP_PROXY": "evil:1"], "http://example.com/", .direct(.httpProxyIgnoredInCGI),
         "CGI: HTTP_PROXY may be a request's Proxy: header"),
        (["REQUEST_METHOD": "POST", "http_proxy": "", "HTTP_PROXY": "evil:1"], "http://example.com/",
         .direct(.httpProxyIgnoredInCGI), "CGI, empty lower case"),
        (["REQUEST_METHOD": "GET", "http_proxy": "good:1", "HTTP_PROXY": "evil:2"], "http://example.com/",
         .proxy("good", 1, "http_proxy"), "CGI: http_proxy still used"),
        (["REQUEST_METHOD": "GET", "HTTPS_PROXY": "s:1"], "https://example.com/", .proxy("s", 1, "HTTPS_PROXY"),
         "CGI: HTTPS_PROXY cannot come from a header"),
        (["REQUEST_METHOD": "GET", "HTTP_PROXY": "evil:1"], "https://example.com/",
         .direct(.noProxyConfigured(scheme: "https")), "CGI: HTTP_PROXY is not for https anyway"),
        (["REQUEST_METHOD": "", "HTTP_PROXY": "p:1"], "http://example.com/", .proxy("p", 1, "HTTP_PROXY"),
         "empty REQUEST_METHOD is unset"),
        (["request_method": "GET", "HTTP_PROXY": "p:1"], "http://example.com/", .proxy("p", 1, "HTTP_PROXY"),
         "only REQUEST_METHOD marks CGI"),
        (["REQUEST_METHOD": "GET", "HTTP_PROXY": "evil:1", "NO_PROXY": "*"], "http://example.com/",
         .direct(.httpProxyIgnoredInCGI), "CGI reason comes first"),
    ]

    @Test(arguments: variables.indices)
    func variableSelection(row: Int) {
        let (environment, target, expected, why) = Self.variables[row]
        #expect(Self.outcome(environment, target) == expected, "\(why)")
    }

    // MARK: proxy URLs

    /// (proxy URL, expected host, expected port)
    static let urls: [(String, String, Int)] = [
        ("http://proxy.example:3128", "proxy.example", 3128),
        ("proxy.example:3128", "proxy.example", 3128),
        ("proxy.example", "proxy.example", 80),
        ("localhost:3128", "localhost", 3128),
        ("10.0.0.1", "10.0.0.1", 80),
        ("HTTP://Proxy.Example:8080", "proxy.example", 8080),
        ("hTtP://proxy:8080", "proxy", 8080),
        ("http://proxy:3128/", "proxy", 3128),
        ("http://proxy:3128/some/path?x=1#frag", "proxy", 3128),
        ("proxy:3128/", "proxy", 3128),
        ("http://proxy?x", "proxy", 80),
        ("http://[::1]:3128", "::1", 3128),
        ("http://[2001:DB8::1]", "2001:db8::1", 80),
        ("[::1]:3128", "::1", 3128),
        ("http://10.0.0.1:8080", "10.0.0.1", 8080),
        ("  http://p:1  ", "p", 1),
        ("\thttp://p:1\n", "p", 1),
        ("http://p:", "p", 80),
        ("http://p:65535", "p", 65535),
        ("http://p:00080", "p", 80),
        ("http://proxy.example.:3128", "proxy.example.", 3128),
        ("http://my_proxy:1", "my_proxy", 1),
    ]

    @Test(arguments: urls.indices)
    func proxyURLs(row: Int) throws {
        let (value, host, port) = Self.urls[row]
        let server = try Self.server(value)
        #expect(server.host == host)
        #expect(server.port == port)
        #expect(server.credentials == nil)
    }

    /// (proxy URL, user, password)
    static let credentials: [(String, String, String)] = [
        ("http://user:pass@p:3128", "user", "pass"),
        ("user:pass@p:3128", "user", "pass"),
        ("http://us%40er:p%3Ass%2Fw%25d@p", "us@er", "p:ss/w%d"),
        ("http://user@p", "user", ""),
        ("http://:secret@p", "", "secret"),
        ("http://u:p@ss@p:1", "u", "p@ss"),
        ("http://u:pa/ss@p:1", "u", "pa/ss"),
        ("http://u:pa?s#s@p:1/x", "u", "pa?s#s"),
        ("http://u:a:b@p", "u", "a:b"),
        ("http://%C3%BCser:p%C3%A4ss@p", "üser", "päss"),
        ("http://user%20name:pass%20word@p", "user name", "pass word"),
        ("http://u:%41%62@p", "u", "Ab"),
    ]

    @Test(arguments: credentials.indices)
    func credentialsAreExtractedAndDecoded(row: Int) throws {
        let (value, user, password) = Self.credentials[row]
        let server = try Self.server(value)
        #expect(server.host == "p")
        let credentials = try #require(server.credentials)
        #expect(credentials.user == user)
        #expect(credentials.password == password)
        let encoded = Data("\(user):\(password)".utf8).base64EncodedString()
        #expect(credentials.basicAuthorization == "Basic \(encoded)")
    }

    @Test func basicAuthorizationValues() throws {
        #expect(try Self.server("http://user:pass@p").credentials?.basicAuthorization == "Basic dXNlcjpwYXNz")
        #expect(try Self.server("http://Aladdin:open%20sesame@p").credentials?.basicAuthorization
            == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
        #expect(try Self.server("http://%C3%BC:x@p").credentials?.basicAuthorization == "Basic w7w6eA==")
        #expect(try Self.server("http://@p").credentials == nil, "empty user information")
        #expect(try Self.server("http://:@p").credentials == nil, "empty user and password")
    }

    /// (proxy URL, expected problem)
    static let malformed: [(String, ProxyConfigurationError.Problem)] = [
        ("https://p:443", .unsupportedScheme("https")),
        ("HTTPS://p", .unsupportedScheme("https")),
        ("socks5://p:1080", .unsupportedScheme("socks5")),
        ("socks5h://p:1080", .unsupportedScheme("socks5h")),
        ("socks4://p", .unsupportedScheme("socks4")),
        ("socks4a://p", .unsupportedScheme("socks4a")),
        ("socks://p", .unsupportedScheme("socks")),
        ("ftp://p", .unsupportedScheme(nil)),
        ("1http://p", .malformedScheme),
        ("ht tp://p", .malformedScheme),
        ("://p", .malformedScheme),
        ("http://", .missingHost),
        ("", .missingHost),
        ("http://:3128", .missingHost),
        ("http://user:pw@", .missingHost),
        ("http:///path", .missingHost),
        ("http://p:99999", .invalidPort),
        ("http://p:65536", .invalidPort),
        ("http://p:0", .invalidPort),
        ("http://p:abc", .invalidPort),
        ("http://p:-1", .invalidPort),
        ("http://p:+80", .invalidPort),
        ("http://p:123456", .invalidPort),
        ("http://::1:3128", .ipv6WithoutBrackets),
        ("http://::1", .ipv6WithoutBrackets),
        ("http://[::1", .invalidHost),
        ("http://[10.0.0.1]:80", .invalidHost),
        ("http://[::1]x", .invalidHost),
        ("http://[zz::1]", .invalidHost),
        ("http://[]", .invalidHost),
        ("http://pro xy:1", .invalidHost),
        ("http://10.0.0:1", .invalidHost),
        ("http://a..b", .invalidHost),
        ("http://.", .invalidHost),
        ("http://ex%61mple", .invalidHost),
        ("http://über.example", .invalidHost),
        ("http://u:%zz@p", .invalidPercentEncoding),
        ("http://u:%4@p", .invalidPercentEncoding),
        ("http://u:%@p", .invalidPercentEncoding),
        ("http://%E2%82:x@p", .invalidPercentEncoding),
        ("http://u:%FF@p", .invalidPercentEncoding),
        ("http://a%3Ab:pw@p", .colonInUserName),
    ]

    @Test(arguments: malformed)
    func malformedProxyURLs(value: String, problem: ProxyConfigurationError.Problem) {
        #expect(throws: ProxyConfigurationError(source: "HTTPS_PROXY", problem: problem)) {
            try ProxyServer.parse(value, source: "HTTPS_PROXY")
        }
    }

    /// An empty port (`p:`, `[::1]:`) is the default port, as in any URL (RFC 3986 §3.2.3).
    @Test func anEmptyPortIsTheDefault() throws {
        #expect(try ProxyServer.parse("http://[::1]:", source: "x") == ProxyServer(host: "::1", port: 80))
        #expect(try ProxyServer.parse("p:", source: "x") == ProxyServer(host: "p", port: 80))
    }

    @Test func errorsNameTheVariableAndNeverTheCredentials() {
        let values = [
            "http://user:secret@p:99999", "https://user:secret@p", "socks5://user:secret@p:1080",
            "http://user:secret@[::1", "http://user:secret@", "http://user:secret@::1:80", "http://user:sec%zzret@p",
            "user:secret", "secret://user:pw@p", "http://secret:pw@p:0", "http://user:secret@pro xy",
            "http://secret%3Auser:pw@p",
        ]
        for value in values {
            let rules = ProxyEnvironment(environment: ["https_proxy": value])
            do {
                let decision = try rules.decision(scheme: "https", host: "example.com", port: 443)
                Issue.record("\(value) should be refused, got \(decision)")
            } catch {
                #expect(error.source == "https_proxy")
                #expect(error.description.hasPrefix("invalid proxy in https_proxy: "))
                var dumped = ""
                dump(error, to: &dumped)
                for text in [error.description, String(reflecting: error), dumped] {
                    #expect(!text.contains("secret"), "\(text)")
                }
            }
        }
    }

    @Test func errorMessagesSayWhatIsWrong() {
        func message(_ value: String) -> String {
            do {
                _ = try ProxyServer.parse(value, source: "HTTPS_PROXY")
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(message("https://p").contains("https:// proxies are not supported"))
        #expect(message("socks5://p").contains("SOCKS proxies (socks5://) are not supported"))
        #expect(message("p:70000").contains("port"))
        #expect(message("http://::1:80").contains("brackets"))
        #expect(message("http://u:%zz@p").contains("percent-encoded"))
        #expect(message("p:70000").hasPrefix("invalid proxy in HTTPS_PROXY"))
    }

    // MARK: errors surface only where the proxy is used

    @Test func anInvalidProxyFailsOnlyTheRequestsThatWouldUseIt() {
        let environment = ["http_proxy": "p:1", "HTTPS_PROXY": "socks5://s:1080", "NO_PROXY": "direct.example"]
        #expect(Self.outcome(environment, "http://example.com/") == .proxy("p", 1, "http_proxy"))
        #expect(Self.outcome(environment, "https://example.com/")
            == .failed("HTTPS_PROXY", .unsupportedScheme("socks5")))
        #expect(Self.outcome(environment, "https://direct.example/")
            == .direct(.noProxyEntry("direct.example", source: "NO_PROXY")))
        #expect(Self.outcome(environment, "https://localhost:8443/") == .direct(.loopback))
    }

    // MARK: loopback

    static let loopbackTargets = [
        "http://localhost/", "http://LOCALHOST:8080/", "http://localhost./", "http://api.localhost/",
        "http://127.0.0.1:8080/", "http://127.9.9.9/", "http://[::1]:8080/", "http://[0:0:0:0:0:0:0:1]/",
        "http://[::ffff:127.0.0.1]/", "https://localhost/",
    ]

    @Test(arguments: loopbackTargets)
    func loopbackBypassesTheProxyByDefault(target: String) {
        let environment = ["http_proxy": "p:1", "https_proxy": "p:1"]
        #expect(Self.outcome(environment, target) == .direct(.loopback))
        #expect(Self.outcome(environment, target, setting: .url("p:1")) == .direct(.loopback))
        let variable = target.hasPrefix("https") ? "https_proxy" : "http_proxy"
        #expect(Self.outcome(environment, target, setting: .environment(proxyLoopback: true))
            == .proxy("p", 1, variable))
        #expect(Self.outcome(environment, target, setting: .url("p:1", proxyLoopback: true))
            == .proxy("p", 1, "ProxySetting.url"))
    }

    static let notLoopback = [
        "http://localhost.example.com/", "http://notlocalhost/", "http://128.0.0.1/", "http://[::2]/",
        "http://0.0.0.0/", "http://10.0.0.1/",
    ]

    @Test(arguments: notLoopback)
    func otherTargetsUseTheProxy(target: String) {
        #expect(Self.outcome(["http_proxy": "p:1"], target) == .proxy("p", 1, "http_proxy"))
    }

    @Test func noProxyStillAppliesToLoopbackWhenLoopbackIsProxied() {
        let environment = ["http_proxy": "p:1", "no_proxy": "localhost"]
        let setting = ProxySetting.environment(proxyLoopback: true)
        #expect(Self.outcome(environment, "http://localhost/", setting: setting)
            == .direct(.noProxyEntry("localhost", source: "no_proxy")))
        #expect(Self.outcome(environment, "http://127.0.0.1/", setting: setting) == .proxy("p", 1, "http_proxy"))
    }

    // MARK: NO_PROXY

    /// (environment, target, expected, why)
    static let noProxy: [([String: String], String, Outcome, String)] = [
        (["http_proxy": "p:1", "no_proxy": "example.com"], "http://www.example.com/",
         .direct(.noProxyEntry("example.com", source: "no_proxy")), "subdomain"),
        (["http_proxy": "p:1", "no_proxy": "example.com"], "http://example.org/", .proxy("p", 1, "http_proxy"),
         "other name"),
        (["http_proxy": "p:1", "no_proxy": "a.example", "NO_PROXY": "b.example"], "http://b.example/",
         .proxy("p", 1, "http_proxy"), "lower-case no_proxy wins: NO_PROXY not read"),
        (["http_proxy": "p:1", "no_proxy": "a.example", "NO_PROXY": "b.example"], "http://a.example/",
         .direct(.noProxyEntry("a.example", source: "no_proxy")), "lower-case no_proxy used"),
        (["http_proxy": "p:1", "no_proxy": "", "NO_PROXY": "b.example"], "http://b.example/",
         .direct(.noProxyEntry("b.example", source: "NO_PROXY")), "empty no_proxy is unset"),
        (["http_proxy": "p:1", "NO_PROXY": "*"], "http://anything.example/",
         .direct(.noProxyEntry("*", source: "NO_PROXY")), "wildcard"),
        (["https_proxy": "p:1", "NO_PROXY": "*"], "https://anything.example/",
         .direct(.noProxyEntry("*", source: "NO_PROXY")), "wildcard, https"),
        (["http_proxy": "p:1", "NO_PROXY": "example.com:8080"], "http://example.com:8080/",
         .direct(.noProxyEntry("example.com:8080", source: "NO_PROXY")), "port matches"),
        (["http_proxy": "p:1", "NO_PROXY": "example.com:8080"], "http://example.com/", .proxy("p", 1, "http_proxy"),
         "default port 80 does not match 8080"),
        (["https_proxy": "p:1", "NO_PROXY": "example.com:443"], "https://example.com/",
         .direct(.noProxyEntry("example.com:443", source: "NO_PROXY")), "https default port is 443"),
        (["http_proxy": "p:1", "NO_PROXY": "10.0.0.0/8"], "http://10.1.2.3:8080/",
         .direct(.noProxyEntry("10.0.0.0/8", source: "NO_PROXY")), "CIDR"),
        (["http_proxy": "p:1", "NO_PROXY": "2001:db8::/32"], "http://[2001:db8::5]/",
         .direct(.noProxyEntry("2001:db8::/32", source: "NO_PROXY")), "IPv6 CIDR against a bracketed URL host"),
        (["http_proxy": "p:1", "NO_PROXY": "0:0:0:0:0:0:0:1"], "http://[::1]/", .direct(.loopback),
         "loopback comes before NO_PROXY"),
        (["http_proxy": "p:1", "NO_PROXY": "  a.example ,\tb.example  "], "http://b.example/",
         .direct(.noProxyEntry("b.example", source: "NO_PROXY")), "whitespace"),
        (["http_proxy": "p:1", "NO_PROXY": ",,,"], "http://b.example/", .proxy("p", 1, "http_proxy"),
         "only empty entries"),
        (["http_proxy": "bad:99999", "NO_PROXY": "example.com"], "http://example.com/",
         .direct(.noProxyEntry("example.com", source: "NO_PROXY")), "bypassed: the bad URL does not matter"),
        (["http_proxy": "bad:99999", "NO_PROXY": "example.com"], "http://example.org/",
         .failed("http_proxy", .invalidPort), "used: the bad URL fails"),
    ]

    @Test(arguments: noProxy.indices)
    func noProxyRules(row: Int) {
        let (environment, target, expected, why) = Self.noProxy[row]
        #expect(Self.outcome(environment, target) == expected, "\(why)")
    }

    @Test func extraNoProxyEntriesAddToTheEnvironments() {
        let environment = ["http_proxy": "p:1", "NO_PROXY": "a.example"]
        let setting = ProxySetting.environment(noProxy: ["b.example", "c.example, 10.0.0.0/8"])
        #expect(Self.outcome(environment, "http://a.example/", setting: setting)
            == .direct(.noProxyEntry("a.example", source: "NO_PROXY")))
        #expect(Self.outcome(environment, "http://x.b.example/", setting: setting)
            == .direct(.noProxyEntry("b.example", source: "ProxySetting.noProxy")))
        #expect(Self.outcome(environment, "http://10.9.9.9/", setting: setting)
            == .direct(.noProxyEntry("10.0.0.0/8", source: "ProxySetting.noProxy")))
        #expect(Self.outcome(environment, "http://d.example/", setting: setting) == .proxy("p", 1, "http_proxy"))
    }

    @Test func invalidNoProxyEntriesAreReportedWithTheirSource() {
        let rules = ProxyEnvironment(
            setting: .environment(noProxy: ["ok.example", "bad..example"]),
            environment: ["no_proxy": "10.0.0, good.example,host:0"])
        #expect(rules.invalidNoProxyEntries
            == ["no_proxy: 10.0.0", "no_proxy: host:0", "ProxySetting.noProxy: bad..example"])
    }

    // MARK: .url and .none

    @Test func anExplicitURLIgnoresTheEnvironment() {
        let environment = [
            "http_proxy": "other:9", "HTTPS_PROXY": "other:9", "NO_PROXY": "example.com", "REQUEST_METHOD": "GET",
        ]
        let setting = ProxySetting.url("http://p:3128")
        for target in ["http://example.com/", "https://example.com/"] {
            #expect(Self.outcome(environment, target, setting: setting) == .proxy("p", 3128, "ProxySetting.url"))
        }
        #expect(Self.outcome([:], "ftp://example.com/", setting: setting) == .direct(.unsupportedTargetScheme("ftp")))
    }

    @Test func anExplicitURLHonoursItsOwnNoProxyList() {
        let setting = ProxySetting.url("p:3128", noProxy: ["internal.example", "[fd00::1]:8443"])
        #expect(Self.outcome([:], "http://api.internal.example/", setting: setting)
            == .direct(.noProxyEntry("internal.example", source: "ProxySetting.noProxy")))
        #expect(Self.outcome([:], "https://[fd00::1]:8443/", setting: setting)
            == .direct(.noProxyEntry("[fd00::1]:8443", source: "ProxySetting.noProxy")))
        #expect(Self.outcome([:], "https://[fd00::1]/", setting: setting) == .proxy("p", 3128, "ProxySetting.url"))
        #expect(Self.outcome([:], "http://example.com/", setting: setting) == .proxy("p", 3128, "ProxySetting.url"))
    }

    @Test func anExplicitURLValue() throws {
        let url = URL(string: "http://u:p%40ss@proxy.example:8080")!
        let rules = ProxyEnvironment(setting: .url(url), environment: [:])
        let server = try #require(try rules.decision(scheme: "https", host: "example.com", port: 443).server)
        #expect(server.host == "proxy.example")
        #expect(server.port == 8080)
        #expect(server.credentials == ProxyCredentials(user: "u", password: "p@ss"))
        #expect(Self.outcome([:], "http://example.com/", setting: .url("bad:99999"))
            == .failed("ProxySetting.url", .invalidPort))
        #expect(Self.outcome([:], "http://example.com/", setting: .url("https://p"))
            == .failed("ProxySetting.url", .unsupportedScheme("https")))
    }

    @Test func noneNeverUsesAProxy() {
        let environment = ["http_proxy": "p:1", "HTTPS_PROXY": "p:1"]
        #expect(Self.outcome(environment, "http://example.com/", setting: .none) == .direct(.proxyDisabled))
        #expect(Self.outcome(environment, "https://example.com/", setting: .none) == .direct(.proxyDisabled))
        #expect(Self.outcome(["http_proxy": "bad:0"], "http://example.com/", setting: .none) == .direct(.proxyDisabled))
    }

    @Test func decisionForAnOrigin() throws {
        let rules = ProxyEnvironment(environment: ["https_proxy": "user:pw@p:3128"])
        let decision = try rules.decision(for: Origin(scheme: "HTTPS", host: "Example.COM", port: 443))
        #expect(decision == .proxy(
            ProxyServer(host: "p", port: 3128, credentials: ProxyCredentials(user: "user", password: "pw")),
            source: "https_proxy"))
    }

    // MARK: defaults and redaction

    @Test func defaults() {
        #expect(Configuration().proxy == .environment)
        #expect(ProxySetting.environment.proxyLoopback == false)
        #expect(ProxySetting.environment.noProxy.isEmpty)
        #expect(ProxySetting.url("p").proxyLoopback == false)
        #expect(ProxySetting.environment() == .environment)
        #expect(ProxySetting.environment(proxyLoopback: true) != .environment)
        #expect(ProxySetting.url("http://p:1") != ProxySetting.url("http://p:2"))
        #expect(ProxyServer.defaultPort == 80)
    }

    @Test func descriptions() {
        #expect(ProxySetting.environment.description == ".environment")
        #expect(ProxySetting.none.description == ".none")
        #expect(ProxySetting.environment(proxyLoopback: true).description == ".environment(proxyLoopback: true)")
        #expect(ProxySetting.url("http://p:1").description == ".url(http://p:1)")
        #expect(ProxySetting.url("http://u:pw@p:1", noProxy: ["a"]).description
            == ".url(http://***@p:1, noProxy: [\"a\"])")
        #expect(ProxySetting.url("u:pw@p:1").description == ".url(***@p:1)")
        #expect(ProxyServer(host: "p", port: 3128).description == "http://p:3128")
        #expect(ProxyServer(host: "::1", port: 3128).description == "http://[::1]:3128")
        let withCredentials = ProxyServer(host: "p", port: 1, credentials: .init(user: "u", password: "x"))
        #expect(withCredentials.description == "http://***@p:1")
        #expect(ProxyServer.redacted("http://u:p@ss@h:1/x") == "http://***@h:1/x")
        #expect(ProxyServer.redacted("h:1") == "h:1")
        #expect(ProxyDecision.direct(.httpProxyIgnoredInCGI).description.contains("REQUEST_METHOD"))
    }

    @Test func credentialsNeverShow() throws {
        let url = "http://us%65r:s3cr%65t@proxy.example:3128"
        let setting = ProxySetting.url(url)
        let rules = ProxyEnvironment(setting: setting, environment: [:])
        let envRules = ProxyEnvironment(environment: ["http_proxy": url, "https_proxy": url])
        let decision = try rules.decision(scheme: "http", host: "example.com", port: 80)
        let server = try #require(decision.server)
        let credentials = try #require(server.credentials)
        #expect(credentials.password == "s3cret")
        #expect(decision.description == "through http://***@proxy.example:3128 (from ProxySetting.url)")
        var configuration = Configuration()
        configuration.proxy = setting

        func rendered(_ value: Any) -> [String] {
            var dumped = ""
            dump(value, to: &dumped)
            return [String(describing: value), String(reflecting: value), "\(value)", dumped]
        }
        let everything: [Any] = [setting, rules, envRules, decision, server, credentials, configuration, [server]]
        for value in everything {
            for text in rendered(value) {
                #expect(!text.contains("s3cr"), "\(text)")
                #expect(!text.contains("user"), "\(text)")
                #expect(!text.contains("us%65r"), "\(text)")
            }
        }
    }
}
