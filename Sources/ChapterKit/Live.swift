// Live updates while a chapter trains (--serve): the training loop reports steps and epochs
// here; with --serve they go to the embedded server's live page. Without --serve, nothing.

import Foundation
import VLAE

public final class LiveUpdates {
    public let enabled: Bool
    public init(chapter: Int, title: String, options: CommonOptions) {
        enabled = false
    }
    public func step(_ model: String, _ s: StepInfo) {}
    public func epoch(_ model: String, _ e: EpochRecord) {}
    public func log(_ text: String) {}
    public func done(reportPath: String) {}
}
