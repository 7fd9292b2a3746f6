// Chapter 5's VLAE search: every field of a configuration reaches its model-cache key (so two
// configurations never share a cached model), and the fields added later leave the keys of the
// configurations that existed before unchanged (so their cached models stay valid).

import ArgumentParser
import ChapterKit
import Foundation
import Testing
import VLAE

@Suite struct VLAEVariantTests {
    let fingerprint = "test-fingerprint"

    /// The default flags (the output folder only matters to validation, which probes it).
    func options(_ flags: [String] = []) throws -> CommonOptions {
        try CommonOptions.parse(flags + ["--output", NSTemporaryDirectory()])
    }

    func key(_ o: CommonOptions, _ v: VLAEVariant) -> String {
        let r = BookModels.vlae(o, v)
        return ModelCache.key(r.config, r.training, fingerprint: fingerprint)
    }

    @Test func everyFieldChangesTheCacheKey() throws {
        let o = try options()
        let base = VLAEVariant(layers: 6, channels: 32, latentDim: 32, freeBits: 0.25)
        var changed: [(String, VLAEVariant)] = []
        var v = base; v.layers = 2; changed.append(("layers", v))
        v = base; v.channels = 16; changed.append(("channels", v))
        v = base; v.latentDim = 64; changed.append(("latentDim", v))
        v = base; v.freeBits = 0.5; changed.append(("freeBits", v))
        v = base; v.epochs = 24; changed.append(("epochs", v))
        v = base; v.dynamic = true; changed.append(("dynamic", v))
        v = base; v.prior = .autoregressiveFlow(BookModels.flow); changed.append(("prior", v))
        var keys = [key(o, base)]
        for (field, variant) in changed {
            let k = key(o, variant)
            #expect(k != key(o, base), "changing \(field) must change the cache key")
            keys.append(k)
        }
        #expect(Set(keys).count == keys.count, "every configuration has its own key")
        // The search itself: no two configurations share a cached model.
        let searchKeys = BookModels.vlaeSearch.map { key(o, $0) }
        #expect(Set(searchKeys).count == searchKeys.count)
    }

    @Test func gaussianPriorKeepsTheKeyOfTheRecipeBeforePriorsWereAField() throws {
        let o = try options()
        let v = VLAEVariant(layers: 6, channels: 32, latentDim: 32, freeBits: 0.25)
        // The recipe exactly as BookModels built it before VLAEVariant had a prior.
        let before = ModelConfig(latentDim: 32, decoder: .pixelCNN(PixelCNNConfig(layers: 6, channels: 32, kernel: 3)))
        let training = o.training(epochs: v.trainingEpochs(o), freeBits: 0.25)
        #expect(key(o, v) == ModelCache.key(before, training, fingerprint: fingerprint))
    }

    @Test func afPriorVariantIsChapter6sModel() throws {
        let o = try options()
        var v = BookModels.vlaeDefault
        v.prior = .autoregressiveFlow(BookModels.flow)
        let af = BookModels.vlaeAF(o)
        #expect(key(o, v) == ModelCache.key(af.config, af.training, fingerprint: fingerprint),
                "chapter 5's AF-prior row must read the model chapter 6 trains")
        #expect(BookModels.vlae(o, v).name == af.name)
    }

    @Test func labelNamesWhatDiffersFromTheDefaults() throws {
        let v = VLAEVariant(layers: 6, channels: 16, latentDim: 64, freeBits: 0.25, epochs: 24,
                            prior: .autoregressiveFlow(BookModels.flow))
        #expect(v.label.split(separator: "\u{00A0}").map(String.init) == ["L6", "16ch", "D64", "λ0.25", "24ep", "AF"])
        let quick = try options(["--quick"])
        #expect(v.label(quick).contains("\(v.trainingEpochs(quick))ep"), "the label gives the run length this run trains")
        #expect(VLAEVariant(layers: 6, latentDim: 32, freeBits: 0.25).label.split(separator: "\u{00A0}").map(String.init)
                == ["L6", "D32", "λ0.25"])
    }
}
