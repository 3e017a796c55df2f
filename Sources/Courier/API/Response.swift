import HTTPTypes
import NIOCore

/// A response whose body is read inside the scope of ``Client/execute(_:_:)``.
public struct Response: Sendable {
    /// Status line and header fields.
    public let head: HTTPResponse
    /// The body, read as an async sequence of buffers; it need not be read at all.
    public let body: ResponseBody

    /// The status, as `head.status`.
    public var status: HTTPResponse.Status { head.status }
    /// The header fields, as `head.headerFields`.
    public var headerFields: HTTPFields { head.headerFields }
}

/// A response with its whole body in memory, returned by ``Client/send(_:maxBodyBytes:)``.
public struct BufferedResponse: Sendable {
    /// Status line and header fields.
    public let head: HTTPResponse
    /// The whole body.
    public let body: ByteBuffer

    /// The status, as `head.status`.
    public var status: HTTPResponse.Status { head.status }
    /// The header fields, as `head.headerFields`.
    public var headerFields: HTTPFields { head.headerFields }
}

/// The body of a ``Response``: buffers as they arrive from the network, with backpressure (the connection is
/// not read while the buffered chunks are not consumed).
///
/// Iterating it again after the end yields nothing. Errors are ``CourierError``s.
public struct ResponseBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    typealias Producer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, ExchangeBodyDelegate
    >

    /// Where the buffers come from.
    enum Storage: Sendable {
        /// The body is still arriving: buffers are handed over by the exchange, with backpressure.
        case streaming(Producer)
        /// The whole body had arrived (and ended normally) when the head was handed to the caller; the exchange
        /// holds its buffers until the first iterator takes them.
        case complete
    }

    let storage: Storage
    let exchange: Exchange

    init(producer: Producer, exchange: Exchange) {
        self.storage = .streaming(producer)
        self.exchange = exchange
    }

    init(completeBodyOf exchange: Exchange) {
        self.storage = .complete
        self.exchange = exchange
    }

    /// Iterates the body's buffers.
    public struct AsyncIterator: AsyncIteratorProtocol {
        enum Inner {
            case streaming(Producer.AsyncIterator)
            /// `chunks` is `nil` until the first `next()` takes them from the exchange.
            case complete(chunks: BodyChunks?, next: Int)
        }

        var inner: Inner
        let exchange: Exchange

        public mutating func next() async throws -> ByteBuffer? {
            switch inner {
            case .complete(let taken, let next):
                let chunks = taken ?? exchange.takeCompleteBody()
                guard next < chunks.count else {
                    inner = .complete(chunks: BodyChunks(), next: 0)
                    return nil
                }
                inner = .complete(chunks: chunks, next: next + 1)
                return chunks[next]
            case .streaming(let producer):
                return try await Self.next(from: producer, exchange: exchange)
            }
        }

        /// ``next()`` on the caller's isolation. `for try await` calls this requirement; the standard library's
        /// default for it would call ``next()`` as a function of no isolation, with a hop to the global executor
        /// and back (on a task that prefers an executor, a check of that preference each way).
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> ByteBuffer? {
            try await next()
        }

        private static func next(from producer: Producer.AsyncIterator, exchange: Exchange) async throws -> ByteBuffer? {
            // NIO's `next()` runs on the global executor, so the iterator (not Sendable) crosses to it; it is safe:
            // one task uses it, one call at a time, as every async iterator is used.
            nonisolated(unsafe) let producer = producer
            do {
                if let chunk = try await producer.next() { return chunk }
            } catch let error as CourierError {
                throw error
            } catch is CancellationError {
                exchange.cancel()
                throw CourierError.cancelled
            } catch {
                throw CourierError.ioFailed(reason: "\(error)")
            }
            if exchange.bodyEndedNormally { return nil }
            if Task.isCancelled {
                exchange.cancel()
                throw CourierError.cancelled
            }
            throw exchange.failure ?? CourierError.connectionClosedDuringBody(reason: "the body ended early")
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        switch storage {
        case .streaming(let producer):
            return AsyncIterator(inner: .streaming(producer.makeAsyncIterator()), exchange: exchange)
        case .complete:
            return AsyncIterator(inner: .complete(chunks: nil, next: 0), exchange: exchange)
        }
    }

    /// Reads the whole body into one buffer.
    ///
    /// - Parameter maxBytes: The most bytes accepted; more fails with ``CourierError/bodyTooLarge(limit:)``.
    public func collect(upTo maxBytes: Int) async throws -> ByteBuffer {
        if case .contentLength(let length) = exchange.announcedFraming, length > Int64(maxBytes) {
            throw CourierError.bodyTooLarge(limit: maxBytes)
        }
        var result = ByteBuffer()
        for try await var chunk in self {
            guard result.readableBytes + chunk.readableBytes <= maxBytes else {
                throw CourierError.bodyTooLarge(limit: maxBytes)
            }
            if result.readableBytes == 0 {
                result = chunk
            } else {
                result.writeBuffer(&chunk)
            }
        }
        return result
    }
}
