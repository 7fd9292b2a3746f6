// A small worker pool: independent jobs run `lanes` at a time, each result in its job's place.

import Foundation

/// Runs `body(0) ..< body(count - 1)` on `lanes` threads (one after another when `lanes` <= 1),
/// jobs taken in order, and returns the results in job order; the first error is rethrown after
/// every job has finished. Give the longest jobs first.
public func inLanes<T>(_ count: Int, lanes: Int, _ body: (Int) throws -> T) throws -> [T] {
    if lanes <= 1 { return try (0..<count).map(body) }
    let results = LaneResults<T>(count)
    DispatchQueue.concurrentPerform(iterations: lanes) { _ in
        while true {
            results.lock.lock(); let i = results.next; results.next += 1; results.lock.unlock()
            guard i < count else { return }
            let r = Result { try body(i) }
            results.lock.lock(); results.done[i] = r; results.lock.unlock()
        }
    }
    return try results.done.map { try $0!.get() }
}

private final class LaneResults<T>: @unchecked Sendable {
    let lock = NSLock()
    var next = 0
    var done: [Result<T, Error>?]
    init(_ n: Int) { done = Array(repeating: nil, count: n) }
}
