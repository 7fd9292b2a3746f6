import ArgumentParser
import ChapterKit
import Foundation
import VLAE
struct Chapter3: ParsableCommand {
    @OptionGroup var options: CommonOptions
    func run() throws { runChapter {
        let s = ChapterSession(chapter: 3, subtitle: "", options: options)
        _ = try s.train(BookModels.factorized(options))
        _ = try s.train(BookModels.pixelCNNAlone(options))
        _ = try s.train(BookModels.vlae(options))
        let e = options.quick ? 1 : 3
        for b: Float in [0.1, 0.25, 0.5, 1, 2, 4, 8] { _ = try s.train(BookModels.factorized(options).with(beta: b, epochs: e)) }
        for b: Float in [0.25, 1, 4] { _ = try s.train(BookModels.vlae(options, freeBits: 0).with(beta: b, epochs: options.quick ? 1 : 2)) }
    } }
}
Chapter3.main()
