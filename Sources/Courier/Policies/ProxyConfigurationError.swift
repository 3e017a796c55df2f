/// A proxy URL that cannot be used, naming where it came from (an environment variable such as `HTTPS_PROXY`, or
/// `ProxySetting.url`) and what is wrong with it. It never contains the URL's user name or password, nor any
/// other part of the value that could be one (only a recognised scheme name is quoted).
struct ProxyConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    enum Problem: Sendable, Equatable {
        /// A scheme other than `http`. The associated value is the lower-cased scheme when it is a known one
        /// (`https`, `socks`, `socks4`, `socks4a`, `socks5`, `socks5h`), otherwise `nil` (it is not repeated).
        case unsupportedScheme(String?)
        /// Text before `://` that is not a URL scheme (RFC 3986 §3.1).
        case malformedScheme
        /// No host between the scheme (or user information) and the port or path.
        case missingHost
        /// A host that is neither a name (letters, digits, `-`, `_`, dots) nor an IPv4 or bracketed IPv6 address.
        case invalidHost
        /// An IPv6 address written without brackets, where the port cannot be told apart.
        case ipv6WithoutBrackets
        /// A port that is not a decimal number from 1 to 65535.
        case invalidPort
        /// A `%` not followed by two hex digits in the user name or password, or decoded bytes that are not UTF-8.
        case invalidPercentEncoding
        /// A user name containing `:` once decoded, which Basic authentication cannot carry (RFC 7617 §2).
        case colonInUserName
    }

    /// Where the URL came from: the environment variable's name, or `ProxySetting.url`.
    var source: String
    /// What is wrong with it.
    var problem: Problem

    var description: String {
        let what: String
        switch problem {
        case .unsupportedScheme(let scheme?) where scheme.hasPrefix("socks"):
            what = "SOCKS proxies (\(scheme)://) are not supported; use an http:// proxy"
        case .unsupportedScheme(let scheme?):
            what = "\(scheme):// proxies are not supported; use an http:// proxy (https requests still travel"
                + " encrypted end to end, through a CONNECT tunnel)"
        case .unsupportedScheme(nil):
            what = "the proxy URL's scheme is not supported; use an http:// proxy"
        case .malformedScheme:
            what = "the text before '://' in the proxy URL is not a URL scheme"
        case .missingHost:
            what = "the proxy URL has no host"
        case .invalidHost:
            what = "the proxy URL's host is neither a valid name nor an IP address"
        case .ipv6WithoutBrackets:
            what = "an IPv6 proxy address must be written in brackets, as in http://[::1]:3128"
        case .invalidPort:
            what = "the proxy URL's port is not a number from 1 to 65535"
        case .invalidPercentEncoding:
            what = "the proxy URL's user name or password is not valid percent-encoded UTF-8"
        case .colonInUserName:
            what = "the proxy user name contains ':', which Basic authentication cannot carry"
        }
        return "invalid proxy in \(source): \(what)"
    }
}
