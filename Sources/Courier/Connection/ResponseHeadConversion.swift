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

extension HTTPField {
    /// A field value as received, kept as it is when it is a valid RFC 9110 value (no copy) and otherwise taken
    /// leniently (CR, LF and NUL become spaces), as `init(name:lenientValue:)` does.
    init(name: Name, receivedValue value: String) {
        if Self.isPlainValue(value) {
            self.init(name: name, value: value)
        } else {
            self.init(name: name, lenientValue: value.utf8)
        }
    }

    /// Visible ASCII and inner spaces or tabs only: valid for both initialisers, which then store it unchanged.
    static func isPlainValue(_ value: String) -> Bool {
        value.utf8.withContiguousStorageIfAvailable { bytes in
            guard let first = bytes.first, let last = bytes.last else { return true }
            if first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 { return false }
            for byte in bytes where byte < 0x20 || byte >= 0x7F {
                if byte != 0x09 { return false }
            }
            return true
        } ?? false
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
