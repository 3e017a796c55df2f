import Courier
import HTTPTypes

/// Everything `courier submit` was asked to do, checked and ready to run.
public struct SubmitJob: Sendable {
    /// The target URL, possibly with `{}`.
    public var template: TargetTemplate
    /// The files to send, in order.
    public var items: [FileWalker.Item]
    /// Paths found that cannot be sent; each counts as a failed request.
    public var problems: [FileWalker.Problem] = []
    /// The method; default `POST`.
    public var method: HTTPRequest.Method = .post
    /// Header fields sent with every request (Authorization from `--user` included).
    public var headerFields: HTTPFields = [:]
    /// Requests in flight at once; default 8.
    public var concurrency: Int = 8
    /// Connections per host; default `nil` = `concurrency`.
    public var maxConnectionsPerHost: Int? = nil
    /// Retries the CLI makes per file (`--retries`); default 2. 0 turns them off.
    public var retries: Int = 2
    /// The longest `Retry-After` honoured; default 60 s.
    public var maxRetryWait: Duration = .seconds(60)
    /// TCP connect timeout; default 10 s.
    public var connectTimeout: Duration = .seconds(10)
    /// Per-attempt deadline (`--timeout`); default `nil` (none: the library's 60 s stall timeout still applies).
    public var timeout: Duration? = nil
    /// Send `Connection: close` on every request; default `false`.
    public var closeConnection: Bool = false
    /// TLS settings for https targets (`--cacert`, `--cert`/`--key`, `--insecure`); default: system trust store.
    public var tls: Configuration.TLS = .init()
    /// How long requests in flight may finish after an interrupt; default 5 s.
    public var interruptGrace: Duration = .seconds(5)

    /// Creates a job for `items` sent to `template`.
    public init(template: TargetTemplate, items: [FileWalker.Item]) {
        self.template = template
        self.items = items
    }
}
