import HTTPTypes

/// Checks a request before any byte of it is sent; each failure names the offending field.
enum RequestValidator {
    /// The framing Courier will use for a request body.
    enum BodyFraming: Equatable, Sendable {
        /// No body; no framing header is sent (except `Content-Length: 0` for methods that usually carry one).
        case none
        /// `Content-Length: n`.
        case length(Int64)
        /// `Transfer-Encoding: chunked`.
        case chunked
    }

    /// Validates a method given as text: it must be a non-empty RFC 9110 token.
    static func method(_ text: String) throws(CourierError) -> HTTPRequest.Method {
        guard let method = HTTPRequest.Method(text) else {
            throw .invalidRequest(field: "method", reason: "'\(printable(text))' is not a valid HTTP method token")
        }
        return method
    }

    /// Validates a header given as text and returns it as a typed field.
    ///
    /// Unlike `HTTPField(name:value:)`, which silently turns CR, LF and NUL into spaces, this rejects them.
    static func field(name: String, value: String) throws(CourierError) -> HTTPField {
        guard let fieldName = HTTPField.Name(name) else {
            throw .invalidRequest(field: "header '\(printable(name))'", reason: "the name is not a valid token")
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\r"): throw .invalidRequest(field: "header '\(name)'", reason: "the value contains CR")
            case UInt8(ascii: "\n"): throw .invalidRequest(field: "header '\(name)'", reason: "the value contains LF")
            case 0: throw .invalidRequest(field: "header '\(name)'", reason: "the value contains NUL")
            default: continue
            }
        }
        return HTTPField(name: fieldName, value: value)
    }

    /// Decides the body framing and rejects caller-set `Content-Length` / `Transfer-Encoding` that contradict
    /// the body. `declaredLength` is the body's own length (`nil` when unknown); `hasBody` is false for no body.
    ///
    /// A TRACE request may not carry a body (RFC 9110 §9.3.8); it is sent without framing fields, so a body would
    /// reach the server as the start of another request. It is rejected.
    static func framing(
        method: HTTPRequest.Method, fields: HTTPFields, hasBody: Bool, declaredLength: Int64?
    ) throws(CourierError) -> BodyFraming {
        if hasBody, method.rawValue.utf8.count == 5, method == .trace {
            throw .invalidRequest(field: "body", reason: "a TRACE request cannot carry a body (RFC 9110 section 9.3.8)")
        }
        let lengths = fields[values: .contentLength]
        let encodings = fields[values: .transferEncoding]
        var callerLength: Int64? = nil
        if !lengths.isEmpty {
            let parsed = Set(lengths.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
                .map { Int64($0.trimmingHTTPWhitespace()) })
            guard parsed.count == 1, let only = parsed.first, let value = only, value >= 0 else {
                throw .invalidRequest(
                    field: "Content-Length",
                    reason: "'\(lengths.joined(separator: ", "))' is not one non-negative integer")
            }
            callerLength = value
        }
        if !encodings.isEmpty {
            let codings = encodings.flatMap { $0.split(separator: ",") }.map { $0.trimmingHTTPWhitespace() }
            guard codings.count == 1, codings[0].equalsIgnoringASCIICase("chunked") else {
                throw .invalidRequest(
                    field: "Transfer-Encoding",
                    reason: "only 'chunked' is supported, got '\(encodings.joined(separator: ", "))'")
            }
            if callerLength != nil {
                throw .invalidRequest(
                    field: "Transfer-Encoding", reason: "a request cannot carry both Content-Length and Transfer-Encoding")
            }
            guard hasBody else {
                throw .invalidRequest(field: "Transfer-Encoding", reason: "'chunked' was set but the request has no body")
            }
            return .chunked
        }
        if let callerLength {
            if !hasBody {
                guard callerLength == 0 else {
                    throw .invalidRequest(
                        field: "Content-Length", reason: "\(callerLength) was set but the request has no body")
                }
                return .length(0)
            }
            if let declaredLength, declaredLength != callerLength {
                throw .invalidRequest(
                    field: "Content-Length",
                    reason: "\(callerLength) was set but the body is \(declaredLength) bytes long")
            }
            return .length(callerLength)
        }
        guard hasBody else { return .none }
        if let declaredLength { return .length(declaredLength) }
        return .chunked
    }

    private static func printable(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}
