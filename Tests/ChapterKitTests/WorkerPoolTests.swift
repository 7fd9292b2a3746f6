// The worker pool (WorkerPool.swift): results in job order, every job run once, errors rethrown.

import ChapterKit
import Foundation
import Testing

@Suite struct WorkerPoolTests {
    struct Boom: Error {}

    @Test func resultsComeBackInJobOrder() throws {
        for lanes in [1, 2, 4] {
            #expect(try inLanes(9, lanes: lanes) { $0 * $0 } == (0..<9).map { $0 * $0 })
        }
        #expect(try inLanes(0, lanes: 2) { $0 }.isEmpty)
    }

    @Test func anErrorIsRethrownAfterTheOtherJobs() {
        #expect(throws: Boom.self) { try inLanes(5, lanes: 2) { i -> Int in if i == 3 { throw Boom() }; return i } }
    }
}
