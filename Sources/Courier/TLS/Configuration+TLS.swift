extension Configuration {
    /// How `https://` connections are secured. The defaults verify the server's certificate chain against the
    /// system's trust store and its name against the URL's host, offer TLS 1.2 and 1.3, and advertise
    /// `http/1.1` with ALPN.
    ///
    /// One client uses one TLS configuration for all its connections, so connections made with different trust
    /// settings never share a pool: give requests that need other settings their own ``Client``.
    public struct TLS: Sendable, Hashable {
        /// The lowest TLS version Courier agrees to.
        public enum Version: String, Sendable, Hashable, Comparable {
            /// TLS 1.2 (RFC 5246).
            case tls12 = "TLS 1.2"
            /// TLS 1.3 (RFC 8446).
            case tls13 = "TLS 1.3"

            public static func < (lhs: Version, rhs: Version) -> Bool { lhs == .tls12 && rhs == .tls13 }
        }

        /// PEM-encoded data: a file on disk or bytes in memory.
        public enum PEM: Sendable, Hashable, CustomStringConvertible {
            /// A file with one or more PEM blocks; read when the client makes its first `https` connection.
            case file(String)
            /// PEM text as bytes.
            case bytes([UInt8])

            public var description: String {
                switch self {
                case .file(let path): return "'\(path)'"
                case .bytes(let bytes): return "PEM bytes (\(bytes.count) bytes)"
                }
            }
        }

        /// A certificate the client presents when the server asks for one (mutual TLS).
        public struct ClientCertificate: Sendable, Hashable {
            /// The client's certificate first, then any intermediates, PEM-encoded.
            public var certificateChain: PEM
            /// The certificate's private key, PEM-encoded and not encrypted.
            public var privateKey: PEM

            /// Creates a client certificate from PEM sources.
            public init(certificateChain: PEM, privateKey: PEM) {
                self.certificateChain = certificateChain
                self.privateKey = privateKey
            }
        }

        /// Whether the server's certificate is checked.
        public enum Verification: Sendable, Hashable {
            /// Default: the chain must lead to a trusted root, every certificate in it must be within its validity
            /// period, and the leaf must name the host of the URL (DNS name or IP address in its subject
            /// alternative names).
            case full
            /// **Insecure: no check at all.** Any certificate is accepted, so anyone on the path can read and change
            /// the traffic. Exists for tests against throwaway servers; a client created with it logs a warning.
            /// Prefer adding the server's CA to ``TLS/additionalTrustRoots``.
            case insecureNoVerification
        }

        /// Trust the operating system's root certificates (on Linux the distribution's CA bundle). Default `true`.
        public var trustSystemRoots: Bool
        /// Certificates trusted as roots in addition to (or, with ``trustSystemRoots`` `false`, instead of) the
        /// system's. Default none.
        public var additionalTrustRoots: [PEM]
        /// The certificate presented when a server asks for one. Default `nil` (none).
        public var clientCertificate: ClientCertificate?
        /// The lowest TLS version accepted. Default ``Version/tls12``; a server that offers only older versions
        /// fails with ``CourierError/tlsHandshakeFailed(host:port:reason:)`` saying so.
        public var minimumVersion: Version
        /// Whether the server's certificate is checked. Default ``Verification/full``.
        public var verification: Verification

        /// Creates TLS settings; every default is stated on its property.
        public init(
            trustSystemRoots: Bool = true,
            additionalTrustRoots: [PEM] = [],
            clientCertificate: ClientCertificate? = nil,
            minimumVersion: Version = .tls12,
            verification: Verification = .full
        ) {
            self.trustSystemRoots = trustSystemRoots
            self.additionalTrustRoots = additionalTrustRoots
            self.clientCertificate = clientCertificate
            self.minimumVersion = minimumVersion
            self.verification = verification
        }
    }
}

extension Configuration.TLS {
    /// Checks that these settings can be used: every file exists and holds a PEM certificate (or key), and the
    /// client certificate matches its key. A client checks the same on its first `https` connection; calling this
    /// at start-up reports a mistake before any request.
    ///
    /// - Throws: ``CourierError/invalidTLSConfiguration(reason:)`` naming the setting and the file.
    public func validate() throws(CourierError) {
        _ = try TLSContextCache.makeContext(self)
    }
}
