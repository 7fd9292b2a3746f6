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
        v = base; v.adamax = true; changed.append(("adamax", v))
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
        #expect(BookModels.vlaeSearch.contains(BookModels.vlaeLossy), "chapter 5's VLAE is a row of its own search")
        #expect(BookModels.vlaeSearch.contains(BookModels.vlaeDefault), "so is the book's VLAE")
    }

    @Test func adamaxIsThePapersOptimiser() throws {
        let o = try options()
        let r = BookModels.vlae(o, VLAEVariant(layers: 2, latentDim: 16, freeBits: 1, adamax: true))
        #expect(r.training.optimizer == .adamax)
        #expect(r.training.learningRate == 2e-3)
        #expect(BookModels.vlae(o, BookModels.vlaeDefault).training.optimizer == .adam)
    }

    @Test func searchRecordRowsOnlyForTheSameRecipeAndSettings() throws {
        let row = SearchRecord.Row(label: "L2 D16", key: "abc", bitsInZ: 25, agreementSampled: 0.88, agreementMean: 0.9,
                                   probeAccuracy: 0.89, nllNats: 87.3, trainSeconds: 200)
        let rec = SearchRecord(date: "2026-11-23", commit: "0000000", dataset: "mnist5k", fingerprint: "fp", iwaeK: 64, scored: 500,
                               classifierAccuracy: 0.96, rows: [row])
        let path = NSTemporaryDirectory() + "search-record-\(UUID().uuidString).json"
        try rec.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let back = try JSONDecoder().decode(SearchRecord.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(back.row(key: "abc", dataset: "mnist5k", fingerprint: "fp", iwaeK: 64, scored: 500, classifierAccuracy: 0.96)?.nllNats == 87.3)
        #expect(back.row(key: "abd", dataset: "mnist5k", fingerprint: "fp", iwaeK: 64, scored: 500, classifierAccuracy: 0.96) == nil, "another recipe")
        #expect(back.row(key: "abc", dataset: "mnist5k", fingerprint: "fp", iwaeK: 8, scored: 500, classifierAccuracy: 0.96) == nil, "another k")
        #expect(back.row(key: "abc", dataset: "mnist5k", fingerprint: "fp", iwaeK: 64, scored: 100, classifierAccuracy: 0.96) == nil, "other digits")
        #expect(back.row(key: "abc", dataset: "fashion", fingerprint: "fp", iwaeK: 64, scored: 500, classifierAccuracy: 0.96) == nil, "other data")
        #expect(back.row(key: "abc", dataset: "mnist5k", fingerprint: "fp", iwaeK: 64, scored: 500, classifierAccuracy: 0.95) == nil, "another classifier")
        #expect(back.row(key: "abc", dataset: "mnist5k", fingerprint: "fp2", iwaeK: 64, scored: 500, classifierAccuracy: 0.96) == nil, "other pixels")
    }

    @Test func committedRecordMatchesTheSearch() throws {
        // The record kept in records/ (if any) holds rows only of configurations the search still has
        // under the default flags: a recipe that changed must be measured again, not shown from the record.
        guard let rec = SearchRecord.committed() else { return }
        let o = try options()
        let fingerprinted = BookModels.vlaeSearch.map { v -> String in
            let r = BookModels.vlae(o, v); return ModelCache.key(r.config, r.training, fingerprint: rec.fingerprint)
        }
        #expect(rec.rows.allSatisfy { fingerprinted.contains($0.key) }, "every recorded row is a configuration of today's search")
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
