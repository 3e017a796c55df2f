import Testing

@testable import Courier

/// The defaults the documentation promises, which the rest of the tests override for speed.
@Suite struct ConfigurationDefaultsTests {
    @Test func theDocumentedDefaultsHold() {
        let configuration = Configuration()
        #expect(configuration.pool.maxConnectionsPerHost == 8)
        #expect(configuration.pool.maxConnections == .automatic)
        #expect(configuration.pool.connectionAcquireTimeout == nil)
        #expect(configuration.pool.maxIdleConnectionsPerHost == nil)
        #expect(configuration.pool.idleTimeout == .seconds(60))
        #expect(configuration.pool.descriptorExhaustionTimeout == .seconds(30))
        #expect(configuration.timeouts.connect == .seconds(10))
        #expect(configuration.timeouts.tlsHandshake == .seconds(10))
        // A stalled upload or download fails after a minute without progress.
        #expect(configuration.timeouts.idle == .seconds(60))
        #expect(configuration.timeouts.responseHead == nil)
        #expect(configuration.limits.maxResponseHeadBytes == 64 * 1024)
        #expect(configuration.limits.maxDrainBytes == 256 * 1024)
        #expect(configuration.limits.drainTimeout == .seconds(1))
        #expect(configuration.limits.expectContinueTimeout == .seconds(1))
        #expect(configuration.tcpKeepAlive == Configuration.TCPKeepAlive(idle: .seconds(60), interval: .seconds(15), count: 4))
        // The default logger discards everything; its handler reports `.critical`, so nothing is even formatted.
        #expect(configuration.logger.logLevel == .critical)
        // A limit below one connection would deadlock every request; it is raised to one.
        #expect(Configuration.Pool(maxConnectionsPerHost: 0).maxConnectionsPerHost == 1)
    }
}
