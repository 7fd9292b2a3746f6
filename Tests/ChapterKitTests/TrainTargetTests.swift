// `swift run train TARGET INDEX` (job arrays): a target lists each model once under the flags, in
// the chapter's order, with the chapter's own recipes (so the chapter finds them in the cache).

import ArgumentParser
import ChapterKit
import Foundation
import Testing
import VLAE

@Suite struct TrainTargetTests {
    func options(_ flags: [String] = []) throws -> CommonOptions {
        try CommonOptions.parse(flags + ["--output", NSTemporaryDirectory()])
    }

    func keys(_ target: String, _ o: CommonOptions) -> [String] {
        TrainTarget.named(target)!.models(o, fingerprint: "fp").map(\.key)
    }

    @Test func targetsHoldTheChaptersRecipesOnceEach() throws {
        for flags in [[], ["--quick"]] {
            let o = try options(flags)
            // chapter 5's search: its configurations, in its order, those that become one model under --quick merged
            var seen: Set<String> = []
            let search = BookModels.vlaeSearch.map { BookModels.vlae(o, $0) }
                .map { ModelCache.key($0.config, $0.training, fingerprint: "fp") }.filter { seen.insert($0).inserted }
            #expect(keys("chapter5-search", o) == search)
            #expect(search.contains(ModelCache.key(BookModels.vlae(o, BookModels.vlaeLossy).config,
                                                   BookModels.vlae(o, BookModels.vlaeLossy).training, fingerprint: "fp")))
            // chapter 4's sweep at the standard run length; chapter 1's VAE
            let sweep = ReceptiveFieldSweep.models(latentDim: o.latentDim).map { ModelCache.key($0, o.training(epochs: o.standardEpochs), fingerprint: "fp") }
            #expect(keys("chapter4", o) == sweep)
            let f = BookModels.factorized(o)
            #expect(keys("chapter1", o) == [ModelCache.key(f.config, f.training, fingerprint: "fp")])
        }
        #expect(keys("chapter5-search", try options()).count == BookModels.vlaeSearch.count)
        #expect(keys("chapter5-search", try options(["--quick"])).count < BookModels.vlaeSearch.count)
        #expect(TrainTarget.named("nothing") == nil)
    }
}
