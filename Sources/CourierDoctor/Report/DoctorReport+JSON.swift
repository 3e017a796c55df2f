import Foundation

extension DoctorReport {
    /// The report as pretty-printed JSON with sorted keys (the same figures as ``text()``): endpoints as
    /// `"127.0.0.1:8080"` / `"[::1]:8080"`, states as `"ESTABLISHED"`, unlimited limits as `null`, durations in
    /// seconds, intervals in milliseconds.
    public func jsonText() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Every field is a plain value; encoding cannot fail.
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
