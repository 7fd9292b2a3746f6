// The importance-weighted bound in shards (`evaluate --shard I/N`, `--merge DIR`): shards that
// start at the one-process run's batch boundaries and skip its seeded stream ahead give the same
// doubles, and the merge of their files is the one-process result bit for bit; a missing shard is
// named by index, a shard of another model or k is refused.

import ChapterKit
import Foundation
import Testing
import VLAE

@Suite struct BoundShardTests {
    func images(_ n: Int, seed: UInt64) -> ImageSet {
        var rng = RNG(seed: seed)
        return ImageSet(pixels: (0..<(n * 784)).map { _ in Float(rng.uniform() < 0.2 ? 1 : 0) }, labels: (0..<n).map { $0 % 10 })
    }

    /// A tiny VLAE (3-dimensional code: k x 3 normals per image, odd for odd k, so a shard must
    /// also carry the Box-Muller spare across its start) and a tiny PixelCNN without a code.
    let vlae = VAE(ModelConfig(latentDim: 3, decoder: .pixelCNN(PixelCNNConfig(layers: 2, channels: 4)),
                               encoderChannels: [4, 4, 8], conditioningChannels: [8, 4, 4]), seed: 3)
    let alone = VAE(ModelConfig(decoder: .pixelCNN(PixelCNNConfig(layers: 2, channels: 4, conditioned: false))), seed: 1)

    /// The bound of `set` computed shard by shard, each slice on its own (as separate processes do).
    func sharded(_ model: VAE, _ set: ImageSet, k: Int, shards: Int) -> [IWAEResult] {
        (0..<shards).map { i in
            let r = shardRange(total: set.count, unit: model.iwaeImagesPerPass(k: k), index: i, of: shards)
            return model.importanceWeightedNLL(set.subset(Array(r)), k: k, after: r.lowerBound)
        }
    }

    @Test func shardsGiveTheOneProcessBoundBitForBit() {
        let set = images(9, seed: 7)
        // k = 43: two images per batch, 129 normals each; k = 200: one image per batch in two chunks (128 + 72)
        for (model, k) in [(vlae, 43), (vlae, 200), (vlae, 5), (alone, 10)] {
            let whole = model.importanceWeightedNLL(set, k: k)
            for n in [1, 2, 4, 9] {
                let parts = sharded(model, set, k: k, shards: n)
                let nll = parts.flatMap(\.nllPerImage)
                #expect(nll.count == set.count)
                #expect(nll.map(\.bitPattern) == whole.nllPerImage.map(\.bitPattern), "k = \(k), \(n) shards")
                #expect(IWAEResult(nllPerImage: nll, k: whole.k, seconds: 0).mean.bitPattern == whole.mean.bitPattern)
            }
        }
        // a slice scored without skipping the stream is not the same numbers: the skip is what makes it exact
        let r = shardRange(total: set.count, unit: vlae.iwaeImagesPerPass(k: 43), index: 1, of: 2)
        let naive = vlae.importanceWeightedNLL(set.subset(Array(r)), k: 43).nllPerImage
        #expect(naive != Array(vlae.importanceWeightedNLL(set, k: 43).nllPerImage[r]))
    }

    @Test func shardRangesCoverTheDigitsInWholeBatches() {
        for (total, unit, n) in [(500, 2, 8), (10, 3, 4), (7, 100, 3), (30, 1, 30), (5, 1, 8)] {
            let ranges = (0..<n).map { shardRange(total: total, unit: unit, index: $0, of: n) }
            #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == total)
            for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
            for r in ranges.dropLast() { #expect(r.upperBound % unit == 0 || r.upperBound == total) }
        }
    }

    @Test func mergeOfShardFilesIsTheOneProcessResult() throws {
        let set = images(9, seed: 11)
        let digits = Array(100..<109)             // where the digits sit in a test split
        let k = 43, n = 3
        let dir = NSTemporaryDirectory() + "bound-shards-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let models: [(id: String, key: String, model: VAE)] = [("vlae", "key-vlae", vlae), ("alone", "key-alone", alone)]
        func shard(_ i: Int, k shardK: Int = k, key: (String) -> String = { $0 }) -> BoundShard {
            let entries = models.map { m -> BoundShard.Model in
                let r = shardRange(total: set.count, unit: m.model.iwaeImagesPerPass(k: shardK), index: i, of: n)
                let result = m.model.importanceWeightedNLL(set.subset(Array(r)), k: shardK, after: r.lowerBound)
                return shardEntry(id: m.id, key: key(m.key), digits: Array(digits[r]), result: result)
            }
            return BoundShard(codeVersion: CodeVersion.current, index: i, count: n, k: shardK, images: set.count,
                              fingerprint: "fp", dataset: "test", threads: computeThreads, models: entries)
        }
        for i in 0..<n { _ = try shard(i).write(in: dir) }
        let expect = models.map { ShardExpectation(id: $0.id, key: $0.key, digits: digits) }
        func merge() throws -> [String: IWAEResult] {
            try mergeBoundShards(in: dir, expecting: expect, k: k, images: set.count, fingerprint: "fp") { "evaluate --shard \($0)" }
        }
        let merged = try merge()
        for m in models {
            let whole = m.model.importanceWeightedNLL(set, k: k)
            #expect(merged[m.id]!.nllPerImage.map(\.bitPattern) == whole.nllPerImage.map(\.bitPattern))
            #expect(merged[m.id]!.mean.bitPattern == whole.mean.bitPattern && merged[m.id]!.k == whole.k)
        }
        func failure(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        // a killed shard: named by index, with the command that re-runs it alone
        let file1 = "\(dir)/\(BoundShard.fileName(1, of: n))"
        try FileManager.default.removeItem(atPath: file1)
        let missing = failure { _ = try merge() }
        #expect(missing.contains("shard 1 of 3 is missing") && missing.contains("evaluate --shard 1/3"), "\(missing)")
        #expect(!missing.contains("\n"))
        _ = try shard(1).write(in: dir)
        #expect(try merge()[ "vlae"]!.nllPerImage == merged["vlae"]!.nllPerImage)
        // a shard of another k, or of another model: refused in one line naming it
        _ = try shard(2, k: 44).write(in: dir)
        let otherK = failure { _ = try merge() }
        #expect(otherK.contains("shard 2 of 3") && otherK.contains("refused") && otherK.contains("k = 44"), "\(otherK)")
        _ = try shard(2, key: { $0 + "-other" }).write(in: dir)
        let otherModel = failure { _ = try merge() }
        #expect(otherModel.contains("shard 2 of 3") && otherModel.contains("refused") && otherModel.contains("key-vlae-other"), "\(otherModel)")
        #expect(!otherK.contains("\n") && !otherModel.contains("\n"))
        // a shard computed with another thread count (the order of some sums may differ)
        var otherThreads = shard(2); otherThreads.threads += 1
        _ = try otherThreads.write(in: dir)
        let threads = failure { _ = try merge() }
        #expect(threads.contains("shard 2 of 3") && threads.contains("refused") && threads.contains("threads"), "\(threads)")
        // and data of another fingerprint
        _ = try shard(2).write(in: dir)
        let otherData = failure { _ = try mergeBoundShards(in: dir, expecting: expect, k: k, images: set.count, fingerprint: "other") { $0 } }
        #expect(otherData.contains("refused") && otherData.contains("fingerprint"), "\(otherData)")
    }
}
