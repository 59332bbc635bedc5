import Foundation
import PanelNotes
import PanelNotesFFI
import XCTest

/// Records what a candidate-list listener hears; optionally blocks or stops itself.
final class ListRecorder: CandidateListListener, @unchecked Sendable {
    let lock = NSLock()
    private var lists: [[CandidateSummary]] = []
    private var threads: [String] = []
    private var current: [CandidateSummary] = []
    var onFirst: (@Sendable () -> Void)?
    var onChange: (@Sendable () -> Void)?

    func onReset(candidates: [CandidateSummary]) {
        lock.lock()
        current = candidates
        lists.append(current)
        threads.append(Thread.current.name ?? "")
        let hook = onFirst
        lock.unlock()
        hook?()
    }

    func onDiff(diffs: [CandidateListDiff]) {
        lock.lock()
        current = current.applying(diffs)
        lists.append(current)
        threads.append(Thread.current.name ?? "")
        let hook = onChange
        lock.unlock()
        hook?()
    }

    var seen: [[CandidateSummary]] { lock.lock(); defer { lock.unlock() }; return lists }
    var deliveredOn: [String] { lock.lock(); defer { lock.unlock() }; return threads }
}

final class Stamp: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt64 = 0
    func set(_ v: UInt64) { lock.lock(); value = v; lock.unlock() }
    func get() -> UInt64 { lock.lock(); defer { lock.unlock() }; return value }
}

final class HandleBox: @unchecked Sendable {
    let lock = NSLock()
    var handle: ObserverHandle?
}

final class ListenerTests: StoreTestCase {
    func waitFor(_ what: String, seconds: Double = 5, _ done: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !done() {
            if Date() > deadline { return XCTFail("timed out waiting for \(what)") }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
    }

    func testTheCurrentListThenDiffsOnTheNotifierThreadAndNothingAfterStop() async throws {
        let ana = try open("ana")
        let r = ListRecorder()
        let handle = try ana.ffi.observeCandidates(listener: r)
        // The first delivery is the list as it is when delivered: wait for it before writing.
        try await waitFor("the current list") { r.seen.count == 1 }
        let writer = Thread { _ = try? ana.ffi.createCandidate(name: "Eli", role: "SRE", source: nil, contact: nil, appliedAt: Date()) }
        writer.name = "writer"
        writer.start()
        try await waitFor("two deliveries") { r.seen.count >= 2 }
        XCTAssertEqual(r.seen.map(\.count), [0, 1])
        XCTAssertEqual(r.seen.last, try ana.ffi.candidates(), "the diffs rebuild the list exactly")
        XCTAssertNotEqual(r.deliveredOn.last, "writer", "delivered by the notifier, not the writing thread")
        handle.stop()
        _ = try await ana.createCandidate(name: "Fay", role: "SRE", appliedAt: Date())
        try await Task.sleep(nanoseconds: 300_000_000)
        XCTAssertEqual(r.seen.count, 2, "a stopped handle delivers nothing")

        // The stream form: the current list first, then the change.
        var iterator = ana.observeCandidates().makeAsyncIterator()
        let first = try await iterator.next()
        XCTAssertEqual(first?.count, 2)
        _ = try await ana.createCandidate(name: "Gus", role: "SRE", appliedAt: Date())
        let second = try await iterator.next()
        XCTAssertEqual(second?.count, 3)
    }

    func testAListenerStopsItselfFromInsideItsOwnCallback() async throws {
        let ana = try open("ana")
        let box = HandleBox()
        let stopped = DispatchSemaphore(value: 0)
        let r = ListRecorder()
        r.onFirst = {
            // The first delivery may race the return of observeCandidates.
            var handle: ObserverHandle?
            for _ in 0..<500 {
                box.lock.lock(); handle = box.handle; box.lock.unlock()
                if handle != nil { break }
                Thread.sleep(forTimeInterval: 0.01)
            }
            handle?.stop()
            stopped.signal()
        }
        let handle = try ana.ffi.observeCandidates(listener: r)
        box.lock.lock(); box.handle = handle; box.lock.unlock()
        XCTAssertEqual(stopped.wait(timeout: .now() + 5), .success, "stop() inside the callback returned")
        _ = try await ana.createCandidate(name: "Eli", role: "SRE", appliedAt: Date())
        try await Task.sleep(nanoseconds: 300_000_000)
        XCTAssertEqual(r.seen.map(\.count), [0], "nothing after stopping itself")
    }

    func testTypingStaysFastWhileAListenerIsBlockedForTwoSeconds() async throws {
        let ana = try open("ana")
        let (_, i) = try await scheduled(ana, panel: ["ana@acme"])
        let blocked = DispatchSemaphore(value: 0)
        let woke = Stamp()
        let r = ListRecorder()
        r.onChange = {
            blocked.signal()
            Thread.sleep(forTimeInterval: 2)
            woke.set(DispatchTime.now().uptimeNanoseconds)
        }
        let handle = try ana.ffi.observeCandidates(listener: r)
        // The current list first; then a structured edit sends the listener into its block.
        try await waitFor("the current list") { r.seen.count == 1 }
        _ = try ana.ffi.createCandidate(name: "Eli", role: "SRE", source: nil, contact: nil, appliedAt: Date())
        XCTAssertEqual(blocked.wait(timeout: .now() + 5), .success)
        let n = 240
        var latencies: [UInt64] = []
        let word = Array("distributed ")
        for k in 0..<n {
            let start = DispatchTime.now().uptimeNanoseconds
            try ana.ffi.spliceNotes(interviewId: i, stage: "learn", position: UInt64(k), delete: 0, text: String(word[k % word.count]))
            latencies.append(DispatchTime.now().uptimeNanoseconds - start)
        }
        let typedAt = DispatchTime.now().uptimeNanoseconds
        _ = try ana.ffi.createCandidate(name: "Fay", role: "SRE", source: nil, contact: nil, appliedAt: Date())
        XCTAssertEqual(try ana.ffi.candidates().count, 3)
        let sorted = latencies.sorted()
        let p50 = Double(sorted[n / 2]) / 1e6
        let p99 = Double(sorted[n * 99 / 100]) / 1e6
        print(String(format: "typing while a listener is blocked: p50 %.3f ms p99 %.3f ms n=%d", p50, p99, n))
        let w = woke.get()
        // Loose on purpose (a shared, noisy machine): all typed while the listener slept.
        XCTAssertTrue(w == 0 || typedAt < w, "typing finished before the listener woke")
        XCTAssertLessThan(sorted.last!, 1_500_000_000, "no keystroke waited for the listener")
        XCTAssertEqual(try ana.ffi.notes(interviewId: i, stage: "learn").utf16.count, n)
        handle.stop()
    }

    func testTheInterviewStreamEndsOnTheLatestStateAndSurfacesErrors() async throws {
        let ana = try open("ana")
        let (c, i) = try await scheduled(ana, panel: ["ana@acme"])
        var it = ana.observeInterview(id: i).makeAsyncIterator()
        let first = try await it.next()!
        XCTAssertTrue(first.first)
        XCTAssertEqual(first.changedStages, ["pitch", "learn", "questions", "logistics", "next_steps"])
        for k in 0..<20 {
            try await ana.startStage(interviewId: i, stage: k % 2 == 0 ? "pitch" : "learn", at: t(48 * 60 + Double(k)))
        }
        var last = first
        while last.interview.stageRuns.count < 20 { last = try await it.next()! }
        XCTAssertEqual(last.interview.stageRuns.last?.stage, "learn")
        var cit = ana.observeCandidate(id: c).makeAsyncIterator()
        let candidate = try await cit.next()
        XCTAssertEqual(candidate?.candidate.name, "Dana")
        // Observing what does not exist ends the stream with the error, never silently.
        var bad = ana.observeInterview(id: "not-an-id").makeAsyncIterator()
        do {
            _ = try await bad.next()
            XCTFail("the stream must throw")
        } catch PanelNotesError.NotFound {
        }
    }

    static let allTests = [
        ("testTheCurrentListThenDiffsOnTheNotifierThreadAndNothingAfterStop", asyncTest(testTheCurrentListThenDiffsOnTheNotifierThreadAndNothingAfterStop)),
        ("testAListenerStopsItselfFromInsideItsOwnCallback", asyncTest(testAListenerStopsItselfFromInsideItsOwnCallback)),
        ("testTypingStaysFastWhileAListenerIsBlockedForTwoSeconds", asyncTest(testTypingStaysFastWhileAListenerIsBlockedForTwoSeconds)),
        ("testTheInterviewStreamEndsOnTheLatestStateAndSurfacesErrors", asyncTest(testTheInterviewStreamEndsOnTheLatestStateAndSurfacesErrors)),
    ]
}
