import HTTPTypes

extension HTTPResponse.Status {
    /// A received status: the common ones with their usual reason phrase are the library's constants (the
    /// general initialiser checks every byte of the phrase again), any other as received.
    init(received code: Int, reasonPhrase: String) {
        switch code {
        case 200 where reasonPhrase == "OK": self = .ok
        case 204 where reasonPhrase == "No Content": self = .noContent
        default: self.init(code: code, reasonPhrase: reasonPhrase)
        }
    }
}

extension HTTPField.Name {
    /// The name of a field, without lower-casing or validating names servers commonly send in their usual spelling.
    init?(commonOrParsed name: String) {
        switch name {
        case "Date": self = .date
        case "Server": self = .server
        case "Content-Type": self = .contentType
        case "Content-Length": self = .contentLength
        case "Connection": self = .connection
        case "Transfer-Encoding": self = .transferEncoding
        case "Cache-Control": self = .cacheControl
        case "Last-Modified": self = .lastModified
        case "ETag": self = .eTag
        case "Location": self = .location
        case "Vary": self = .vary
        case "Content-Encoding": self = .contentEncoding
        case "Accept-Ranges": self = .acceptRanges
        case "Set-Cookie": self = .setCookie
        default: self.init(name)
        }
    }
}
