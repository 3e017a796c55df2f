import HTTPTypes
import NIOHTTP1

extension HTTPResponse {
    /// Converts NIO's parsed response head into swift-http-types, keeping every field in order.
    init(nioHead head: HTTPResponseHead) {
        var fields = HTTPFields()
        fields.reserveCapacity(head.headers.count)
        for (name, value) in head.headers {
            // llhttp accepts only token names, so this fails only for names HTTPTypes is stricter about.
            if let fieldName = HTTPField.Name(name) {
                fields.append(HTTPField(name: fieldName, lenientValue: value.utf8))
            }
        }
        self.init(
            status: .init(code: Int(head.status.code), reasonPhrase: head.status.reasonPhrase),
            headerFields: fields
        )
    }
}

extension HTTPParserError {
    /// A sentence that says what the server got wrong.
    var courierReason: String {
        switch self {
        case .invalidConstant, .invalidVersion: return "the status line is not valid HTTP/1.x"
        case .invalidStatus: return "the status code is not valid"
        case .invalidHeaderToken: return "a header field name contains characters that are not allowed"
        case .invalidContentLength: return "the Content-Length header is not a valid number"
        case .unexpectedContentLength:
            return "the response carries conflicting framing (two different Content-Lengths, "
                + "or Content-Length together with Transfer-Encoding)"
        case .invalidChunkSize: return "a chunk size in the chunked body is not valid"
        case .lfExpected, .invalidCharactersUsed, .strictModeAssertion:
            return "the response breaks HTTP/1.1 syntax (bad line endings or characters)"
        case .trailingGarbage: return "unexpected bytes follow the response"
        case .invalidEOFState: return "the connection closed before the response was complete"
        case .closedConnection: return "data arrived after the server said it would close the connection"
        case .headerOverflow: return "the response header section is too large"
        default:
            // llhttp reports several framing faults through one code that NIO does not distinguish.
            return "the response framing is invalid (Transfer-Encoding together with Content-Length, an "
                + "unsupported Transfer-Encoding, or a missing CR)"
        }
    }
}
