import Foundation
import PanelNotes
import PanelNotesFFI
import XCTest
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A TCP peer on loopback that accepts one connection and never says a word; it reports
/// when the other side closes the connection.
final class SilentPeer: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    private let closed = DispatchSemaphore(value: 0)

    init() throws {
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, len) } }
        guard bound == 0, listen(sock, 1) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &len) } }
        port = UInt16(bigEndian: addr.sin_port)
        fd = sock
        let server = self.fd
        let closed = self.closed
        Thread {
            let conn = accept(server, nil, nil)
            var byte: UInt8 = 0
            // Read until the other side closes (0) or fails; this side never writes.
            while read(conn, &byte, 1) > 0 {}
            close(conn)
            closed.signal()
        }.start()
    }

    func waitClosed(seconds: Double) -> Bool { closed.wait(timeout: .now() + seconds) == .success }

    deinit { close(fd) }
}

/// A listener on loopback that never accepts, with its accept queue filled: the kernel drops
/// further SYNs, so a connect to it stays in progress, as to an unroutable address.
final class FullListener {
    let port: UInt16
    let filled: Bool
    private let fd: Int32
    private var queued: [Int32] = []

    init() throws {
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, len) } }
        guard bound == 0, listen(sock, 0) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &len) } }
        port = UInt16(bigEndian: addr.sin_port)
        fd = sock
        var full = false
        while !full && queued.count < 10_000 {
            let c = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            // On Linux a blocking connect gives up after the send timeout.
            var limit = timeval(tv_sec: 0, tv_usec: 300_000)
            setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            queued.append(c)
            let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(c, $0, len) } }
            full = r != 0
        }
        filled = full
    }

    deinit {
        queued.forEach { close($0) }
        close(fd)
    }
}

/// How a LAN sync ended, as its callback heard it.
final class SyncOutcome: SyncCallback, @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var error: PanelNotesError?
    private var finished = false

    func onDone(report: SyncReport) { end(nil) }
    func onError(error: PanelNotesError) { end(error) }

    private func end(_ e: PanelNotesError?) {
        lock.lock(); error = e; finished = true; lock.unlock()
        done.signal()
    }

    var isFinished: Bool { lock.lock(); defer { lock.unlock() }; return finished }

    /// Waits up to `seconds` (a guard against hanging); true when the sync ended cancelled.
    func endedCancelled(within seconds: Double) -> Bool {
        guard done.wait(timeout: .now() + seconds) == .success else { return false }
        lock.lock(); defer { lock.unlock() }
        if case .Cancelled = error { return true }
        return false
    }
}

final class CancellationTests: StoreTestCase {
    func testCancelStopsALanSyncThatIsStillConnecting() async throws {
        let ana = try open("ana")
        let (_, i) = try await scheduled(ana, panel: ["ana@acme", "ben@acme"])
        _ = try await ana.startPanel(interviewId: i)
        let full = try FullListener()
        XCTAssertTrue(full.filled, "the accept queue filled")
        let outcome = SyncOutcome()
        let task = try ana.ffi.syncPanelLan(address: "127.0.0.1:\(full.port)", interviewId: i, callback: outcome)
        try await Task.sleep(nanoseconds: 200_000_000)
        XCTAssertFalse(outcome.isFinished, "the dial is still connecting")
        task.cancel()
        // The guard is far below the dial's own 10 s connect timeout: only the cancel can end
        // it in time.
        XCTAssertTrue(outcome.endedCancelled(within: 5), "the dial ended with Cancelled")
    }

    func testCancelStopsALanSyncWhosePeerNeverAnswersTheHandshakeWithCancelled() async throws {
        let ana = try open("ana")
        let (_, i) = try await scheduled(ana, panel: ["ana@acme", "ben@acme"])
        _ = try await ana.startPanel(interviewId: i)
        let peer = try SilentPeer()
        let outcome = SyncOutcome()
        let task = try ana.ffi.syncPanelLan(address: "127.0.0.1:\(peer.port)", interviewId: i, callback: outcome)
        try await Task.sleep(nanoseconds: 300_000_000)
        XCTAssertFalse(outcome.isFinished, "the silent peer keeps the sync waiting")
        task.cancel()
        XCTAssertTrue(outcome.endedCancelled(within: 20), "the sync ended with Cancelled")
        XCTAssertTrue(peer.waitClosed(seconds: 5), "the core closed the connection")
    }

    func testCancellingTheTaskEndsTheLanSyncInTheCore() async throws {
        let ana = try open("ana")
        let (_, i) = try await scheduled(ana, panel: ["ana@acme", "ben@acme"])
        _ = try await ana.startPanel(interviewId: i)
        let peer = try SilentPeer()
        let sync = Task { try await ana.syncPanelLan(address: "127.0.0.1:\(peer.port)", interviewId: i) }
        try await Task.sleep(nanoseconds: 300_000_000)
        sync.cancel()
        do {
            _ = try await sync.value
            XCTFail("a cancelled sync must not report success")
        } catch is CancellationError {
        }
        XCTAssertTrue(peer.waitClosed(seconds: 5), "the core closed the connection when the Task was cancelled")
    }

    func testCancellingTheTaskCancelsTheSessionInTheCore() async throws {
        let ana = try open("ana")
        let (_, i) = try await scheduled(ana, panel: ["ana@acme", "ben@acme"])
        _ = try await ana.startPanel(interviewId: i)
        let session = try await ana.startPanelSession(interviewId: i)
        let (incoming, _) = AsyncStream<Data>.makeStream() // the peer never answers
        let sent = Stamp()
        let run = Task { try await ana.runSession(session, incoming: incoming) { _ in sent.set(1) } }
        for _ in 0..<500 where sent.get() == 0 { try await Task.sleep(nanoseconds: 10_000_000) }
        XCTAssertEqual(sent.get(), 1, "the opening was sent")
        XCTAssertFalse(session.isClosed())
        run.cancel()
        _ = await run.result
        XCTAssertTrue(session.isCancelled())
        XCTAssertThrowsError(try session.poll()) { error in
            guard case PanelNotesError.Cancelled = error else { return XCTFail("\(error)") }
        }
    }

    static let allTests = [
        ("testCancelStopsALanSyncThatIsStillConnecting", asyncTest(testCancelStopsALanSyncThatIsStillConnecting)),
        ("testCancelStopsALanSyncWhosePeerNeverAnswersTheHandshakeWithCancelled", asyncTest(testCancelStopsALanSyncWhosePeerNeverAnswersTheHandshakeWithCancelled)),
        ("testCancellingTheTaskEndsTheLanSyncInTheCore", asyncTest(testCancellingTheTaskEndsTheLanSyncInTheCore)),
        ("testCancellingTheTaskCancelsTheSessionInTheCore", asyncTest(testCancellingTheTaskCancelsTheSessionInTheCore)),
    ]
}
