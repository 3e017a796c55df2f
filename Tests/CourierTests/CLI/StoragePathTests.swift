import CourierTestServer
import Testing

@Suite struct StoragePathTests {
    static func path(_ target: String) -> String? {
        guard case .success(let components) = StoragePath.components(ofTarget: target) else { return nil }
        return components.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
    }

    @Test(arguments: [
        ("/a/b.txt", "a/b.txt"),
        ("/a//b/./c", "a/b/c"),
        ("/a/x/../b", "a/b"),
        ("/with%20space%20%C3%BC.txt", "with space ü.txt"),
        ("/a/b?query=../../x#frag", "a/b"),
        ("/%2E%2Ehidden", "..hidden"),
    ])
    func acceptedTargets(target: String, expected: String) {
        #expect(Self.path(target) == expected)
    }

    @Test(arguments: ["/../x", "/a/../../x", "/%2e%2e/x", "/%2E%2E/%2e%2e/etc/passwd", "/a/%2F../x", "/a%2Fb", "/a%00b", "/%zz", "/%4", "x/y", "/", "/./", "/a/.."])
    func refusedTargets(target: String) {
        #expect(Self.path(target) == nil)
    }

    @Test func nonUTF8BytesSurviveDecoding() {
        guard case .success(let components) = StoragePath.components(ofTarget: "/f%FF%FE") else {
            Issue.record("refused")
            return
        }
        #expect(components == [[0x66, 0xFF, 0xFE]])
    }
}
