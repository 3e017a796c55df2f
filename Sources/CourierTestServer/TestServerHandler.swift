import Crypto
import NIOCore
import NIOHTTP1
import NIOPosix

/// Serves one connection according to a ``TestServerBehavior``, writing responses as raw bytes so that any
/// status line, framing or misbehaviour can be produced.
final class TestServerHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let behavior: TestServerBehavior
    private let recorder: TestServerRecorder
    private var connectionNumber = 0
    private var requestNumber = 0
    private var head: HTTPRequestHead?
    private var hasher = SHA256()
    private var bodyLength = 0
    private var readsPaused = false
    private var answeredEarly = false
    private var idleTimer: Scheduled<Void>?
    /// The body being stored (``TestServerBehavior/storage``): its temporary file once created and written so far.
    private var upload: (file: EventLoopFuture<BodyStore.PartialFile>, components: [[UInt8]]?)?
    private var storagePendingBytes = 0
    private var storagePaused = false
    /// The request was refused and the connection is closing: ignore the rest of it.
    private var refused = false
    /// Bytes the store may lag behind before reading pauses.
    private static let storageHighWater = 4 << 20

    init(behavior: TestServerBehavior, recorder: TestServerRecorder) {
        self.behavior = behavior
        self.recorder = recorder
    }

    func channelActive(context: ChannelHandlerContext) {
        connectionNumber = recorder.accepted()
        if let log = behavior.connectionLog {
            log("connection \(connectionNumber) opened from \(context.remoteAddress.map { "\($0)" } ?? "?")")
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        if let head {
            // The request never ended: record what arrived.
            record(head, complete: false)
            self.head = nil
        }
        if let upload, let store = behavior.storage {
            // The body never completed: its temporary file goes away.
            upload.file.whenSuccess { partial in
                NIOThreadPool.singleton.submit { _ in store.discard(partial) }
            }
            self.upload = nil
        }
        recorder.closed(connection: connectionNumber)
        behavior.connectionLog?("connection \(connectionNumber) closed after \(requestNumber) request(s)")
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        if !readsPaused && !storagePaused { context.read() }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refused { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            idleTimer?.cancel()
            requestNumber += 1
            self.head = head
            hasher = SHA256()
            bodyLength = 0
            answeredEarly = false
            if let store = behavior.storage, head.method == .PUT || head.method == .POST {
                guard startUpload(context: context, head: head, store: store) else { return }
            }
            let expectsContinue = head.headers["expect"].contains { $0.lowercased() == "100-continue" }
            if expectsContinue, let status = behavior.rejectExpectContinueStatus {
                answeredEarly = true
                writeResponse(context: context, status: status, body: ByteBuffer(string: "rejected\n"), close: false)
                return
            }
            if expectsContinue, behavior.answerExpectContinue {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 100 Continue\r\n\r\n")), promise: nil)
            }
            if let status = behavior.answerEarlyStatus {
                answeredEarly = true
                readsPaused = true
                writeResponse(context: context, status: status, body: ByteBuffer(string: "early\n"), close: true)
            } else if behavior.stopReadingBodies {
                readsPaused = true
            } else if let pause = behavior.pauseReadingBodyMilliseconds {
                readsPaused = true
                context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(pause))) {
                    self.readsPaused = false
                    context.read()
                }
            }
        case .body(let buffer):
            bodyLength += buffer.readableBytes
            buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            if upload != nil { store(buffer, context: context) }
        case .end:
            guard let head else { return }
            self.head = nil
            record(head, complete: true)
            if answeredEarly { return }
            let number = requestNumber
            if behavior.dropWithoutAnswerOnRequest == number {
                context.close(promise: nil)
                return
            }
            if behavior.transientFailures > 0, recorder.takeTransientFailure(limit: behavior.transientFailures) {
                discardUpload()
                let retryAfter = behavior.transientFailureRetryAfter.map { "Retry-After: \($0)\r\n" } ?? ""
                writeResponse(
                    context: context, status: behavior.transientFailureStatus, body: ByteBuffer(string: "try again later\n"),
                    close: false, extraHeaders: retryAfter)
                return
            }
            if let upload, let store = behavior.storage {
                self.upload = nil
                finishUpload(upload, store: store, context: context, head: head, number: number)
                return
            }
            if behavior.responseDelayMilliseconds > 0 {
                context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(behavior.responseDelayMilliseconds))) {
                    self.respond(context: context, head: head, number: number)
                }
            } else {
                respond(context: context, head: head, number: number)
            }
        }
    }

    /// Prepares storing a PUT or POST body; a PUT path outside the directory is answered 400 at once (the
    /// connection closes). Returns whether the request goes on.
    private func startUpload(context: ChannelHandlerContext, head: HTTPRequestHead, store: BodyStore) -> Bool {
        var components: [[UInt8]]? = nil
        if head.method == .PUT {
            switch StoragePath.components(ofTarget: head.uri) {
            case .failure(let refusal):
                refuse(context: context, status: 400, reason: refusal.description)
                return false
            case .success(let path):
                components = path
            }
        }
        let file = NIOThreadPool.singleton.runIfActive(eventLoop: context.eventLoop) { try store.begin() }
        upload = (file, components)
        return true
    }

    /// Queues a body chunk for the temporary file; reading pauses while the disk lags by more than 4 MiB.
    private func store(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        guard let upload, let store = behavior.storage else { return }
        let count = buffer.readableBytes
        storagePendingBytes += count
        let loop = context.eventLoop
        let written = upload.file.flatMap { partial in
            NIOThreadPool.singleton.runIfActive(eventLoop: loop) { () throws -> BodyStore.PartialFile in
                do {
                    try buffer.withUnsafeReadableBytes { try store.write(partial, $0) }
                } catch {
                    store.discard(partial)
                    throw error
                }
                return partial
            }
        }
        self.upload = (written, upload.components)
        written.assumeIsolated().whenComplete { _ in
            self.storagePendingBytes -= count
            if self.storagePaused, self.storagePendingBytes < Self.storageHighWater / 4 {
                self.storagePaused = false
                if context.channel.isActive { context.read() }
            }
        }
        if storagePendingBytes > Self.storageHighWater { storagePaused = true }
    }

    /// Renames the complete body into place, then answers 201 with its SHA-256 (400 for a refused place, 500 for
    /// an I/O failure).
    private func finishUpload(
        _ upload: (file: EventLoopFuture<BodyStore.PartialFile>, components: [[UInt8]]?), store: BodyStore,
        context: ChannelHandlerContext, head: HTTPRequestHead, number: Int
    ) {
        let digest = hexString(hasher.finalize())
        let components = upload.components ?? [Array(digest.utf8)]
        let loop = context.eventLoop
        let placed = upload.file.flatMap { partial in
            NIOThreadPool.singleton.runIfActive(eventLoop: loop) { try store.place(partial, at: components) }
        }
        placed.assumeIsolated().whenComplete { result in
            guard context.channel.isActive else { return }
            switch result {
            case .success:
                self.respond(context: context, head: head, number: number, answer: (201, ByteBuffer(string: digest + "\n")))
            case .failure(let refusal as StoragePath.Refusal):
                self.respond(context: context, head: head, number: number, answer: (400, ByteBuffer(string: "\(refusal)\n")))
            case .failure(let error):
                self.respond(context: context, head: head, number: number, answer: (500, ByteBuffer(string: "\(error)\n")))
            }
        }
    }

    private func discardUpload() {
        guard let upload, let store = behavior.storage else { return }
        self.upload = nil
        upload.file.whenSuccess { partial in NIOThreadPool.singleton.submit { _ in store.discard(partial) } }
    }

    /// Answers `status` with `reason` and closes the connection; the rest of the request is ignored.
    private func refuse(context: ChannelHandlerContext, status: Int, reason: String) {
        refused = true
        head = nil
        writeResponse(context: context, status: status, body: ByteBuffer(string: reason + "\n"), close: true)
    }

    private func record(_ head: HTTPRequestHead, complete: Bool) {
        let digest = hexString(hasher.finalize())
        recorder.record(
            ReceivedRequest(
                method: head.method.rawValue,
                uri: head.uri,
                headers: head.headers.map { ($0.name, $0.value) },
                bodyLength: bodyLength,
                sha256: digest,
                bodyComplete: complete
            ),
            connection: connectionNumber
        )
    }

    private func respond(
        context: ChannelHandlerContext, head: HTTPRequestHead, number: Int, answer: (status: Int, body: ByteBuffer)? = nil
    ) {
        guard context.channel.isActive else { return }
        let clientClose = head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "close" }
        if let raw = behavior.rawResponse {
            let written = context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: raw)))
            if clientClose { written.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
            return
        }
        if behavior.endlessHeaders {
            context.write(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 200 OK\r\n")), promise: nil)
            writeHeaderLines(context: context, sent: 0)
            return
        }
        let segments = head.uri.split(separator: "/")
        var status = 200
        var body = ByteBuffer(string: "ok\n")
        var chunked = false
        if let answer {
            status = answer.status
            body = answer.body
        } else if segments.count == 2, let value = Int(segments[1]) {
            switch segments[0] {
            case "bytes": body = ByteBuffer(repeating: UInt8(ascii: "x"), count: value)
            case "chunked":
                body = ByteBuffer(repeating: UInt8(ascii: "y"), count: value)
                chunked = true
            case "status":
                status = value
                body = ByteBuffer()
            default: break
            }
        }
        if head.method == .HEAD { chunked = false }
        if behavior.sendEarlyHints {
            context.write(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n")), promise: nil)
        }
        let http10Close = behavior.http10 && !behavior.sendKeepAliveHeader
        let remaining = behavior.keepAliveMaxCountdown.map { $0 - number }
        let close =
            !behavior.keepAlive || http10Close || clientClose || behavior.closeAfterRequests == number
            || remaining.map { $0 <= 0 } ?? false
        var hints: [String] = []
        if let timeout = behavior.keepAliveTimeoutHint { hints.append("timeout=\(timeout)") }
        if let remaining { hints.append("max=\(max(0, remaining))") }
        writeResponse(
            context: context, status: status, body: body, close: close, chunked: chunked, isHead: head.method == .HEAD,
            keepAlive: hints.isEmpty ? nil : hints.joined(separator: ", "),
            quietClose: remaining != nil)
        if !close, behavior.abruptCloseAfterResponses == number {
            context.close(promise: nil)
        } else if !close, let idle = behavior.idleCloseAfterMilliseconds {
            idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(idle))) {
                context.close(promise: nil)
            }
        }
    }

    /// Writes one response; `keepAlive` is a `Keep-Alive` header value, `quietClose` closes without saying
    /// `Connection: close` (as servers that count down `max` do).
    private func writeResponse(
        context: ChannelHandlerContext, status: Int, body: ByteBuffer, close: Bool, chunked: Bool = false,
        isHead: Bool = false, keepAlive: String? = nil, quietClose: Bool = false, extraHeaders: String = ""
    ) {
        var text = behavior.http10 ? "HTTP/1.0 \(status) \(reason(status))\r\n" : "HTTP/1.1 \(status) \(reason(status))\r\n"
        text += "X-Connection-Number: \(connectionNumber)\r\nX-Request-Number: \(requestNumber)\r\n"
        let noBody = status == 204 || status == 304 || (100..<200).contains(status)
        if !noBody {
            text += chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: \(body.readableBytes)\r\n"
        }
        if let keepAlive { text += "Keep-Alive: \(keepAlive)\r\n" }
        text += extraHeaders
        if close && !behavior.http10 && !quietClose {
            text += "Connection: close\r\n"
        } else if behavior.sendKeepAliveHeader && !close {
            text += "Connection: keep-alive\r\n"
        }
        text += "\r\n"
        var out = ByteBuffer(string: text)
        if !isHead && !noBody {
            if behavior.resetMidBody {
                var half = body
                out.writeBuffer(&half)
                out.moveWriterIndex(to: out.writerIndex - body.readableBytes / 2)
                context.writeAndFlush(wrapOutboundOut(out)).assumeIsolated().whenComplete { _ in
                    self.reset(context: context)
                }
                return
            }
            if let pause = behavior.pauseMidBodyMilliseconds, !chunked, body.readableBytes > 1 {
                var rest = body
                var firstHalf = rest.readSlice(length: rest.readableBytes / 2)!
                var head = out
                head.writeBuffer(&firstHalf)
                context.writeAndFlush(wrapOutboundOut(head), promise: nil)
                context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(pause))) {
                    guard context.channel.isActive else { return }
                    context.writeAndFlush(self.wrapOutboundOut(rest), promise: nil)
                    if close { context.close(promise: nil) }
                }
                return
            }
            if chunked {
                if body.readableBytes > 0 {
                    out.writeString(String(body.readableBytes, radix: 16) + "\r\n")
                    var copy = body
                    out.writeBuffer(&copy)
                    out.writeString("\r\n")
                }
                out.writeString("0\r\n\r\n")
            } else {
                var copy = body
                out.writeBuffer(&copy)
            }
        }
        if close {
            context.writeAndFlush(wrapOutboundOut(out)).assumeIsolated().whenComplete { _ in
                // After an early answer, keep the connection open but unread: the client must stop sending and close.
                if !self.answeredEarly { context.close(promise: nil) }
            }
        } else {
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        }
    }

    private func writeHeaderLines(context: ChannelHandlerContext, sent: Int) {
        guard context.channel.isActive, sent < 16 * 1024 * 1024 else { return }
        var batch = ByteBuffer()
        for index in 0..<64 {
            batch.writeString("X-Fill-\(sent + index): " + String(repeating: "a", count: 1000) + "\r\n")
        }
        let size = batch.readableBytes
        context.writeAndFlush(wrapOutboundOut(batch)).assumeIsolated().whenSuccess {
            self.writeHeaderLines(context: context, sent: sent + size)
        }
    }

    private func reset(context: ChannelHandlerContext) {
        let channel = context.channel
        guard let provider = channel as? SocketOptionProvider else {
            channel.close(promise: nil)
            return
        }
        provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }

    private func reason(_ status: Int) -> String {
        HTTPResponseStatus(statusCode: status).reasonPhrase
    }
}

/// Lower-case hexadecimal text of `bytes`.
func hexString<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}
