import HTTPTypes
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP/1.1 client with a connection pool. Create one per process (or per set of settings) and share it.
///
/// Responses are handled inside a scope (``execute(_:isolation:_:)``): when the scope ends the connection is
/// returned to the pool or closed, whether or not the body was read, so connections cannot leak through the API.
/// Call ``shutdown()`` when done; a client dropped without it closes its connections and logs an error.
public final class Client: Sendable {
    /// The settings this client was created with.
    public let configuration: Configuration
    let pool: ConnectionPool
    private let isShutdown = NIOLockedValueBox(false)

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - configuration: Settings; the default has 8 connections per origin and a 60 s idle timeout.
    ///   - eventLoopGroup: Where connections live; default the process-wide `MultiThreadedEventLoopGroup.singleton`.
    public init(
        configuration: Configuration = .init(),
        eventLoopGroup: EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.pool = ConnectionPool(configuration: configuration, group: eventLoopGroup)
    }

    deinit {
        if !isShutdown.withLockedValue({ $0 }) {
            configuration.logger.error("Client dropped without shutdown(); closing its connections")
            pool.shutdownInBackground()
        }
    }

    /// Sends `request` and hands the response to `handler`; the connection is released when `handler` returns.
    ///
    /// The body need not be read: an unread remainder of up to ``Configuration/Limits/maxDrainBytes`` (default
    /// 256 KiB) that arrives within ``Configuration/Limits/drainTimeout`` (default 1 s) is read and discarded so the
    /// connection can be reused; otherwise the connection is closed. Cancelling the task closes the connection.
    ///
    /// A request that fails on a reused connection before any byte of it was written is sent again on another
    /// connection (always safe); nothing else is retried.
    ///
    /// - Throws: ``CourierError`` for every failure of Courier's own; errors thrown by `handler` are rethrown.
    public func execute<Result>(
        _ request: Request,
        isolation: isolated (any Actor)? = #isolation,
        _ handler: (Response) async throws -> Result
    ) async throws -> Result {
        guard !isShutdown.withLockedValue({ $0 }) else { throw CourierError.shutdown }
        let target = try RequestTarget.parse(request.url)
        var source: BodyChunkSource? = nil
        var inline: ByteBuffer? = nil
        var declaredLength: Int64? = nil
        switch request.body?.storage {
        case .none:
            break
        case .bytes(let buffer):
            inline = buffer
            declaredLength = Int64(buffer.readableBytes)
        case .file(let path, let range):
            let file = FileChunkSource(path: path, range: range)
            try await file.open()
            source = file
            declaredLength = file.length
        case .stream(let length, let makeSource):
            source = makeSource()
            declaredLength = length
        }
        defer { source?.close() }
        let framing = try RequestValidator.framing(
            fields: request.headerFields, hasBody: request.body != nil, declaredLength: declaredLength)
        if case .length(let length) = framing { declaredLength = length }
        let head = Self.makeHead(request, target: target, framing: framing)

        var attempt = 0
        while true {
            attempt += 1
            let (connection, reused) = try await pool.lease(origin: target.origin)
            let exchange = Exchange(
                eventLoop: connection.eventLoop,
                requestHead: head,
                inlineBody: inline,
                streamsBody: source != nil,
                settings: .init(
                    maxDrainBytes: configuration.limits.maxDrainBytes,
                    drainTimeout: configuration.limits.drainTimeout.timeAmount,
                    expectContinueTimeout: configuration.limits.expectContinueTimeout.timeAmount
                )
            )
            connection.start(exchange)
            let response: Response
            do {
                response = try await withBodyWriter(source, declaredLength: declaredLength, exchange: exchange) {
                    try await exchange.response()
                }
            } catch let error as CourierError {
                if reused, !exchange.wroteAnything, attempt < 4 { continue }
                throw error
            }
            do {
                let result = try await handler(response)
                await exchange.consumerFinished()
                return result
            } catch {
                await exchange.consumerFinished()
                throw error
            }
        }
    }

    /// Sends `request` and returns the response with its whole body.
    ///
    /// - Parameter maxBodyBytes: The largest body accepted, in bytes; a longer one fails with
    ///   ``CourierError/bodyTooLarge(limit:)`` and its connection is closed.
    public func send(_ request: Request, maxBodyBytes: Int) async throws -> BufferedResponse {
        try await execute(request) { response in
            BufferedResponse(head: response.head, body: try await response.body.collect(upTo: maxBodyBytes))
        }
    }

    /// Fails waiting requests with ``CourierError/shutdown``, closes every connection and returns when all
    /// are closed. Requests in flight fail. Calling it again does nothing.
    public func shutdown() async {
        isShutdown.withLockedValue { $0 = true }
        await pool.shutdown()
    }

    /// Runs `body` (which waits for the response head) while a child task streams the request body.
    ///
    /// The writer waits until the head is written, stops without error when the server no longer wants the
    /// body, and fails the exchange (closing the connection) when the source breaks its declared length.
    private func withBodyWriter(
        _ source: BodyChunkSource?,
        declaredLength: Int64?,
        exchange: Exchange,
        _ body: () async throws -> Response
    ) async throws -> Response {
        guard let source else { return try await body() }
        let writer = Task { await Self.writeBody(source, declaredLength: declaredLength, exchange: exchange) }
        return try await withTaskCancellationHandler {
            do {
                let response = try await body()
                return response
            } catch {
                writer.cancel()
                await writer.value
                throw error
            }
        } onCancel: {
            writer.cancel()
        }
    }

    private static func writeBody(_ source: BodyChunkSource, declaredLength: Int64?, exchange: Exchange) async {
        guard await exchange.waitUntilStarted() else { return }
        var sent: Int64 = 0
        do {
            try await source.open()
            while let chunk = try await source.next() {
                let next = sent + Int64(chunk.readableBytes)
                if let declaredLength, next > declaredLength {
                    exchange.failBody(.bodyLengthMismatch(expected: declaredLength, actual: next))
                    return
                }
                sent = next
                guard await exchange.writeBodyChunk(chunk) else { return }
            }
            if let declaredLength, sent != declaredLength {
                exchange.failBody(.bodyLengthMismatch(expected: declaredLength, actual: sent))
                return
            }
            await exchange.finishBody()
        } catch let error as CourierError {
            exchange.failBody(error)
        } catch is CancellationError {
            exchange.cancel()
        } catch {
            exchange.failBody(.bodySourceFailed(reason: "\(error)"))
        }
    }

    /// Builds the wire head: `Host`, the caller's fields, credentials from the URL, framing and `Connection`.
    static func makeHead(_ request: Request, target: RequestTarget, framing: RequestValidator.BodyFraming) -> HTTPRequestHead {
        var headers = HTTPHeaders()
        headers.reserveCapacity(request.headerFields.count + 4)
        if !request.headerFields.contains(where: { $0.name.canonicalName == "host" }) {
            headers.add(name: "Host", value: target.hostHeader)
        }
        for field in request.headerFields {
            switch field.name {
            case .contentLength, .transferEncoding:
                continue
            default:
                headers.add(name: field.name.rawName, value: field.value)
            }
        }
        if let authorization = target.basicAuthorization, request.headerFields[.authorization] == nil {
            headers.add(name: "Authorization", value: authorization)
        }
        if request.headerFields[.userAgent] == nil {
            headers.add(name: "User-Agent", value: "courier/0.1")
        }
        switch framing {
        case .none:
            if [.post, .put, .patch].contains(request.method) { headers.add(name: "Content-Length", value: "0") }
        case .length(let length):
            headers.add(name: "Content-Length", value: String(length))
        case .chunked:
            headers.add(name: "Transfer-Encoding", value: "chunked")
        }
        if request.closeConnection,
            !ConnectionTokens(headerValues: request.headerFields[values: .connection]).close
        {
            headers.add(name: "Connection", value: "close")
        }
        return HTTPRequestHead(
            version: .http1_1,
            method: HTTPMethod(rawValue: request.method.rawValue),
            uri: target.pathAndQuery,
            headers: headers
        )
    }
}
