import Courier
import Foundation

/// Parses a URL given on the command line, which must use `http://` or `https://` and name a host.
///
/// - Parameters:
///   - text: The URL to parse.
///   - shownAs: What messages show instead of `text` (for example the URL before `{}` was expanded); user
///     information is redacted either way. Default: `text`.
/// - Throws: ``UsageError`` saying what is wrong (exit status 2).
func parseHTTPURL(_ text: String, shownAs: String? = nil) throws -> URL {
    let shown = Request.redactedURL(shownAs ?? text)
    guard let parsed = URL(string: text), let scheme = parsed.scheme?.lowercased() else {
        throw UsageError("invalid URL '\(shown)'")
    }
    guard scheme == "http" || scheme == "https" else {
        throw UsageError("unsupported URL scheme '\(scheme)' (use http:// or https://)")
    }
    guard let host = parsed.host, !host.isEmpty else { throw UsageError("the URL '\(shown)' has no host") }
    return parsed
}
