import ArgumentParser
import Courier

/// The TLS flags `submit` and `bench` share: extra trusted CAs, a client certificate, turning verification off.
struct TLSOptions: ParsableArguments {
    @Option(name: .customLong("cacert"), help: ArgumentHelp(
        "Also trust the CA certificate(s) in this PEM file for https (repeatable; the system's CAs stay trusted).",
        valueName: "file"))
    var caCertificates: [String] = []

    @Option(name: .customLong("cert"), help: ArgumentHelp("Client certificate (PEM, with any intermediates) for https.", valueName: "file"))
    var clientCertificate: String?

    @Option(name: .customLong("key"), help: ArgumentHelp("Private key (PEM, unencrypted) of --cert.", valueName: "file"))
    var clientKey: String?

    @Flag(name: [.customShort("k"), .long], help: "INSECURE: do not verify https certificates at all (prints a warning).")
    var insecure = false

    /// The TLS settings these flags ask for, checked now (files present and holding what they should), so that a
    /// mistake is a usage error before anything is sent.
    func settings() throws -> Configuration.TLS {
        if (clientCertificate == nil) != (clientKey == nil) {
            throw UsageError(clientCertificate == nil ? "--key needs --cert" : "--cert needs --key")
        }
        var tls = Configuration.TLS()
        tls.additionalTrustRoots = caCertificates.map { .file($0) }
        if let clientCertificate, let clientKey {
            tls.clientCertificate = .init(certificateChain: .file(clientCertificate), privateKey: .file(clientKey))
        }
        if insecure { tls.verification = .insecureNoVerification }
        do {
            try tls.validate()
        } catch {
            throw UsageError("\(error)")
        }
        return tls
    }

    /// The warning `--insecure` prints on standard error.
    static let insecureWarning =
        "courier: warning: --insecure: https certificates are not verified; anyone on the network path can read and change this traffic"
}
