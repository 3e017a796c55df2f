import CourierCLI
import Testing

@Suite struct TargetTemplateTests {
    @Test(arguments: [
        (Array("a/b/c.txt".utf8), "a/b/c.txt"),
        (Array("with space.txt".utf8), "with%20space.txt"),
        (Array("ü/ñ.bin".utf8), "%C3%BC/%C3%B1.bin"),
        (Array("-._~AZaz09".utf8), "-._~AZaz09"),
        (Array("?#[]@!$&'()*+,;=%:".utf8), "%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%25%3A"),
        ([0x66, 0xFF, 0xFE, 0x2F, 0x80], "f%FF%FE/%80"),
        ([], ""),
    ])
    func encodesEveryByteButUnreservedAndSlash(path: [UInt8], expected: String) {
        #expect(TargetTemplate.encode(path) == expected)
    }

    @Test func replacesEveryPlaceholder() {
        let template = TargetTemplate("http://h/{}/copy-of/{}?x=1")
        #expect(template.hasPlaceholder)
        #expect(template.url(for: Array("a b".utf8)) == "http://h/a%20b/copy-of/a%20b?x=1")
        let plain = TargetTemplate("http://h/upload")
        #expect(!plain.hasPlaceholder)
        #expect(plain.url(for: Array("x".utf8)) == "http://h/upload")
    }
}
