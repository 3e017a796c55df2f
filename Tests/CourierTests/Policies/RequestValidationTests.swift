import Foundation
import HTTPTypes
import Testing

@testable import Courier

@Suite struct RequestValidationTests {
    @Test func headerValuesWithControlCharactersAreRejectedNamingTheField() {
        for (value, what) in [("a\r\nInjected: 1", "CR"), ("a\nb", "LF"), ("a\u{0}b", "NUL")] {
            #expect(throws: CourierError.invalidRequest(field: "header 'X-Test'", reason: "the value contains \(what)")) {
                _ = try Request(method: "GET", url: "http://127.0.0.1/", headers: [("X-Test", value)])
            }
        }
    }

    @Test func invalidMethodsAndHeaderNamesAreRejected() {
        for method in ["", "GE T", "GET\r\n", "PO(ST"] {
            do {
                _ = try Request(method: method, url: "http://127.0.0.1/")
                Issue.record("method '\(method)' was accepted")
            } catch {
                guard case .invalidRequest(let field, _) = error else {
                    Issue.record("unexpected \(error)")
                    continue
                }
                #expect(field == "method")
            }
        }
        for name in ["", "Bad Name", "X:Y", "Näme", "X\r\n"] {
            do {
                _ = try Request(method: "GET", url: "http://127.0.0.1/", headers: [(name, "v")])
                Issue.record("'\(name)' was accepted")
            } catch {
                guard case .invalidRequest(let field, _) = error else {
                    Issue.record("unexpected \(error)")
                    continue
                }
                #expect(field.hasPrefix("header"))
            }
        }
    }

    @Test func framingMatchesTheBody() throws {
        let empty = HTTPFields()
        #expect(try RequestValidator.framing(method: .post, fields: empty, hasBody: false, declaredLength: nil) == .none)
        #expect(try RequestValidator.framing(method: .post, fields: empty, hasBody: true, declaredLength: 10) == .length(10))
        #expect(try RequestValidator.framing(method: .post, fields: empty, hasBody: true, declaredLength: nil) == .chunked)
        let length10: HTTPFields = [.contentLength: "10"]
        #expect(try RequestValidator.framing(method: .post, fields: length10, hasBody: true, declaredLength: 10) == .length(10))
        #expect(try RequestValidator.framing(method: .post, fields: length10, hasBody: true, declaredLength: nil) == .length(10))
        let chunked: HTTPFields = [.transferEncoding: "chunked"]
        #expect(try RequestValidator.framing(method: .post, fields: chunked, hasBody: true, declaredLength: 10) == .chunked)
        let zero: HTTPFields = [.contentLength: "0"]
        #expect(try RequestValidator.framing(method: .post, fields: zero, hasBody: false, declaredLength: nil) == .length(0))
    }

    @Test func aTraceRequestMayNotCarryABody() throws {
        for (hasBody, length) in [(true, Int64(0)), (true, 12), (true, nil)] as [(Bool, Int64?)] {
            #expect(throws: CourierError.invalidRequest(
                field: "body", reason: "a TRACE request cannot carry a body (RFC 9110 section 9.3.8)")) {
                _ = try RequestValidator.framing(method: .trace, fields: [:], hasBody: hasBody, declaredLength: length)
            }
        }
        #expect(try RequestValidator.framing(method: .trace, fields: [:], hasBody: false, declaredLength: nil) == .none)
        // Another method with the same length is not mistaken for TRACE.
        let patch = HTTPRequest.Method("PATCH")!
        #expect(try RequestValidator.framing(method: patch, fields: [:], hasBody: true, declaredLength: 12) == .length(12))
    }

    @Test func contradictoryFramingHeadersAreRejected() {
        let cases: [(HTTPFields, Bool, Int64?, String)] = [
            ([.contentLength: "5"], true, 10, "Content-Length"),
            ([.contentLength: "5"], false, nil, "Content-Length"),
            ([.contentLength: "abc"], true, 3, "Content-Length"),
            ([.contentLength: "-3"], true, nil, "Content-Length"),
            (HTTPFields([HTTPField(name: .contentLength, value: "3"), HTTPField(name: .contentLength, value: "4")]), true, nil, "Content-Length"),
            ([.transferEncoding: "gzip"], true, nil, "Transfer-Encoding"),
            ([.transferEncoding: "chunked"], false, nil, "Transfer-Encoding"),
            ([.transferEncoding: "chunked", .contentLength: "3"], true, 3, "Transfer-Encoding"),
        ]
        for (fields, hasBody, length, field) in cases {
            do {
                _ = try RequestValidator.framing(method: .post, fields: fields, hasBody: hasBody, declaredLength: length)
                Issue.record("\(fields) was accepted")
            } catch {
                guard case .invalidRequest(let named, _) = error else {
                    Issue.record("unexpected \(error)")
                    continue
                }
                #expect(named == field)
            }
        }
    }

    @Test func targetsAreParsedAndUserInformationBecomesBasicAuthorization() throws {
        let target = try RequestTarget.parse(URL(string: "http://al%20ice:s3cr%3Aet@Example.COM:8080/a%20b/c?q=1&r=%2F")!)
        #expect(target.origin == Origin(scheme: "http", host: "example.com", port: 8080))
        #expect(target.pathAndQuery == "/a%20b/c?q=1&r=%2F")
        #expect(target.hostHeader == "Example.COM:8080")  // sent as written, like curl
        #expect(target.basicAuthorization == "Basic " + Data("al ice:s3cr:et".utf8).base64EncodedString())
        #expect(!target.redactedURL.contains("s3cr"))
        #expect(!target.redactedURL.contains("al%20ice"))

        let plain = try RequestTarget.parse(URL(string: "http://127.0.0.1")!)
        #expect(plain.pathAndQuery == "/")
        #expect(plain.hostHeader == "127.0.0.1")
        #expect(plain.origin.port == 80)
        #expect(plain.basicAuthorization == nil)

        let secure = try RequestTarget.parse(URL(string: "HTTPS://Example.COM/p?q")!)
        #expect(secure.origin == Origin(scheme: "https", host: "example.com", port: 443))
        #expect(secure.hostHeader == "Example.COM")  // as written; the pool key is lower-cased
        let securePort = try RequestTarget.parse(URL(string: "https://example.com:8443/")!)
        #expect(securePort.origin.port == 8443 && securePort.hostHeader == "example.com:8443")

        let v6 = try RequestTarget.parse(URL(string: "http://[::1]:9000/x")!)
        #expect(v6.origin.host == "::1")
        #expect(v6.hostHeader == "[::1]:9000")
    }

    @Test func unusableURLsAreRejectedWithoutShowingCredentials() throws {
        for text in ["ftp://127.0.0.1/", "/relative/path", "http:///nohost", "https:///nohost", "ws://127.0.0.1/"] {
            #expect(throws: CourierError.self) { _ = try RequestTarget.parse(URL(string: text)!) }
        }
        do {
            _ = try RequestTarget.parse(URL(string: "gopher://user:hunter2@127.0.0.1/")!)
            Issue.record("accepted")
        } catch {
            #expect(!error.description.contains("hunter2"))
            #expect(error.description.contains("gopher"))
        }
        #expect(RequestTarget.redact("http://u:p@h/x@y") == "http://***@h/x@y")
        let request = try Request(method: "GET", url: "http://user:hunter2@127.0.0.1:1/")
        #expect(!request.description.contains("hunter2"))
    }

    @Test func redactionHidesPasswordsThatDoNotParseAsUserInformation() {
        let cases: [(String, String)] = [
            ("http://u:hunter2@h/p?q=a@b", "http://***@h/p?q=a@b"),
            ("http://h/p?mail=a@b.example", "http://h/p?mail=a@b.example"),
            ("https://[::1]:8443/x", "https://[::1]:8443/x"),
            // Typed without a scheme: `user` would be taken for one.
            ("user:hunter2@127.0.0.1:8080/", "***@127.0.0.1:8080/"),
            // Unencoded `/`, `?`, `#` and `@` in the password: the URL does not parse with that user.
            ("http://u:hun/ter2@h/x", "http://***@h/x"),
            ("http://u:hun?ter2@h/x", "http://***@h/x"),
            ("http://u:hun#ter2@h/x", "http://***@h/x"),
            ("http://u:hun@ter2@h/x", "http://***@h/x"),
            ("not a url", "not a url"),
        ]
        for (text, shown) in cases {
            #expect(Request.redactedURL(text) == shown, "\(text)")
        }
    }

    @Test func aRequestNeverShowsItsCredentialsHoweverItIsPrinted() throws {
        func rendered(_ value: Any) -> [String] {
            var dumped = ""
            dump(value, to: &dumped)
            return [String(describing: value), String(reflecting: value), "\(value)", dumped]
        }
        var requests: [Request] = []
        let texts = [
            "http://us3r:hunter2@127.0.0.1:1/p", "us3r:hunter2@127.0.0.1:8080/", "http://us3r:hun/ter2@127.0.0.1/",
            "gopher://us3r:hunter2@127.0.0.1/", "http://us3r:hun ter2@127.0.0.1/",
        ]
        for text in texts {
            do {
                requests.append(try Request(method: "POST", url: text, body: .string("x")))
            } catch {
                // Not a URL at all: the error shows none of it either.
                #expect(!error.description.contains("ter2") && !error.description.contains("us3r"), "\(error)")
            }
        }
        #expect(requests.count >= 3)
        requests.append(try Request(method: "GET", url: "http://127.0.0.1/", headers: [("Authorization", "Basic hunter2")]))
        for request in requests {
            for text in rendered(request) {
                #expect(!text.contains("hunter2") && !text.contains("ter2@"), "\(text)")
                #expect(!text.contains("us3r"), "\(text)")
            }
            // An invalid URL's error does not show them either.
            do {
                _ = try RequestTarget.parse(request.url)
            } catch {
                #expect(!error.description.contains("hunter2") && !error.description.contains("us3r"), "\(error)")
            }
        }
        #expect(rendered(requests[0])[3].contains("http://***@127.0.0.1:1/p"))
        let target = try RequestTarget.parse(requests[0].url)
        var dumped = ""
        dump(target, to: &dumped)
        #expect(target.basicAuthorization != nil)
        #expect(!dumped.contains(target.basicAuthorization!.dropFirst(6)), "\(dumped)")
    }
}
