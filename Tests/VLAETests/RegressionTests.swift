// Regressions of issue 13: each test here failed (or trapped) on the code before the fix.
// Stale checkpoints, labels out of range, a tape node without a gradient, a longer run that
// could not continue a cached shorter one.

import Foundation
import Testing
@testable import VLAE

private let haveData = haveMNIST5k
private let skipMessage = mnist5kSkipMessage

/// 128 training, 32 validation and 32 test digits of MNIST-5k.
private let fewDigits: Dataset? = mnist5kSlice(train: 128, validation: 32, test: 32, tag: "few")

private let tinyModel = ModelConfig(latentDim: 4, decoder: .pixelCNN(PixelCNNConfig(layers: 2, channels: 4)),
                                    encoderChannels: [4, 4, 4], conditioningChannels: [4, 4, 4])

/// Rewrite the `"format":N` field of a checkpoint's JSON header to `"format":9...9` (same
/// length, so the header length stays valid): a file written by another version.
func markAsOtherFormat(_ path: String) throws {
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let key = Array(#""format":"#.utf8)
    let headerEnd = min(bytes.count, 1 << 20)
    guard let at = (0..<(headerEnd - key.count)).first(where: { Array(bytes[$0..<($0 + key.count)]) == key }) else {
        Issue.record("no format field in \(path)"); return
    }
    var i = at + key.count
    while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { bytes[i] = 0x39; i += 1 }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

@Suite("Regressions of issue 13")
struct RegressionTests {

    // MARK: Stale results

    @Test func checkpointOfAnotherFormatIsRejected() throws {
        let dir = try freshTempDir("format")
        let path = dir + "/m.ckpt"
        let run = TrainingRun(model: VAE(tinyModel, seed: 1), config: TrainingConfig(epochs: 1))
        try Checkpoint.save(run, datasetFingerprint: "fp", to: path)
        _ = try Checkpoint.load(path)                     // as written: loads
        try markAsOtherFormat(path)
        do {
            _ = try Checkpoint.load(path)
            Issue.record("a checkpoint of another format version was loaded")
        } catch {
            let text = "\(error)"
            #expect(error is CheckpointError)
            #expect(!text.contains("\n") && text.contains(path) && text.contains("format"), "\(text)")
        }
    }

    @Test func truncatedCheckpointIsRejected() throws {
        let dir = try freshTempDir("trunc")
        let path = dir + "/m.ckpt"
        let run = TrainingRun(model: VAE(tinyModel, seed: 1), config: TrainingConfig(epochs: 1))
        try Checkpoint.save(run, datasetFingerprint: "fp", to: path)
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        // Cut inside the weights, inside the header, inside the length field.
        for keep in [whole.count - 4, whole.count / 2, 40, 12, 3] {
            try whole.prefix(keep).write(to: URL(fileURLWithPath: path))
            do {
                _ = try Checkpoint.load(path)
                Issue.record("a checkpoint cut to \(keep) of \(whole.count) bytes was loaded")
            } catch {
                #expect(error is CheckpointError, "\(error)")
                #expect(!"\(error)".contains("\n") && "\(error)".contains(path))
            }
        }
    }

    @Test(.enabled(if: haveData, skipMessage))
    func staleCachedModelIsRetrained() throws {
        let data = try #require(fewDigits)
        let cache = ModelCache(root: try freshTempDir("stale"))
        let config = TrainingConfig(epochs: 1, batchSize: 32, maxTrainImages: 32)
        let (_, first) = try cache.model(tinyModel, config, data: data)
        guard case .trained = first else { Issue.record("first request should train"); return }
        // The cached file now claims another format version: it must not be reused.
        try markAsOtherFormat(cache.path(tinyModel, config, fingerprint: data.fingerprint))
        let (_, second) = try cache.model(tinyModel, config, data: data)
        guard case .trained = second else { Issue.record("a stale cached model was reused: \(second)"); return }
        // ... and what it wrote in its place is current again.
        let (_, third) = try cache.model(tinyModel, config, data: data)
        guard case .cached = third else { Issue.record("the retrained model was not cached: \(third)"); return }
    }

    // MARK: Labels out of range

    @Test func idxLabelsOutOfRangeAreAnError() throws {
        let dir = try freshTempDir("labels")
        let count = 20
        let images = makeIDX(dims: [count, 28, 28], values: [UInt8](repeating: 7, count: count * 784))
        for bad: UInt8 in [10, 11, 255] {
            var labels = (0..<count).map { UInt8($0 % 10) }
            labels[13] = bad
            try Data(images).write(to: URL(fileURLWithPath: dir + "/train-images-idx3-ubyte"))
            try Data(makeIDX(dims: [count], values: labels)).write(to: URL(fileURLWithPath: dir + "/train-labels-idx1-ubyte"))
            try Data(images).write(to: URL(fileURLWithPath: dir + "/t10k-images-idx3-ubyte"))
            try Data(gzip(makeIDX(dims: [count], values: (0..<count).map { UInt8($0 % 10) })))
                .write(to: URL(fileURLWithPath: dir + "/t10k-labels-idx1-ubyte"))
            do {
                let d = try loadDataset(DataSource.parse("idx:" + dir))
                Issue.record("label \(bad) loaded: labels \(d.train.labels)")
            } catch let error as DataError {
                let text = error.description
                #expect(!text.contains("\n"))
                #expect(text.contains(dir + "/train-labels-idx1-ubyte"), "\(text)")
                #expect(text.contains("\(bad)") && text.contains("13"), "names neither the value nor its index: \(text)")
            }
        }
    }

    // MARK: The tape

    @Test func backwardSkipsATensorThatDoesNotReachTheLoss() {
        let tape = Tape()
        let w = Tensor([1, 2, 3], shape: [3], requiresGrad: true)
        let unused = tape.exp(w)                       // recorded, never used by the loss
        let loss = tape.sum(tape.scale(w, 2))
        tape.backward(from: loss)
        #expect(w.gradValues == [2, 2, 2])
        #expect(unused.grad == nil)
    }

    // MARK: A longer run continues a cached shorter one

    @Test(.enabled(if: haveData, skipMessage))
    func longerRunContinuesTheCachedShorterOne() throws {
        let data = try #require(fewDigits)
        let config1 = TrainingConfig(epochs: 1, batchSize: 32, klAnnealSteps: 3, seed: 5, maxTrainImages: 64)
        var config2 = config1; config2.epochs = 2
        // Two epochs from scratch, in a cache of its own.
        let (straight, o1) = try ModelCache(root: freshTempDir("straight")).model(tinyModel, config2, data: data)
        guard case .trained = o1 else { Issue.record("\(o1)"); return }
        // One epoch, then two through the cache: the second request continues the first.
        let cache = ModelCache(root: try freshTempDir("continue"))
        _ = try cache.model(tinyModel, config1, data: data)
        let (continued, o2) = try cache.model(tinyModel, config2, data: data)
        guard case .resumed(let from) = o2 else { Issue.record("the 2-epoch run did not continue the 1-epoch run: \(o2)"); return }
        #expect(from == 1)
        #expect(continued.epochsDone == 2 && continued.config.epochs == 2)
        for (a, b) in zip(straight.model.parameters, continued.model.parameters) { #expect(a.values == b.values) }
        for (a, b) in zip(straight.optimizer.m + straight.optimizer.v, continued.optimizer.m + continued.optimizer.v) {
            #expect(a.values == b.values)
        }
        #expect(straight.optimizer.t == continued.optimizer.t)
        // The 1-epoch model is still there for whoever asks for 1 epoch.
        let (one, o3) = try cache.model(tinyModel, config1, data: data)
        guard case .cached = o3 else { Issue.record("\(o3)"); return }
        #expect(one.epochsDone == 1)
    }

    @Test(.enabled(if: haveData, skipMessage))
    func fineTuneStartsFromTheGivenWeightsUnderItsOwnKey() throws {
        let data = try #require(fewDigits)
        let base = TrainingConfig(epochs: 1, batchSize: 32, seed: 5, maxTrainImages: 64)
        let cache = ModelCache(root: try freshTempDir("finetune"))
        let (start, _) = try cache.model(tinyModel, base, data: data)
        var ft = base; ft.beta = 4; ft.warmStart = ModelCache.key(tinyModel, base, fingerprint: data.fingerprint)
        var scratch = base; scratch.beta = 4
        #expect(ModelCache.key(tinyModel, ft, fingerprint: data.fingerprint) != ModelCache.key(tinyModel, scratch, fingerprint: data.fingerprint))
        // a from-scratch key is unchanged by the field's existence (nil encodes to nothing)
        #expect(!String(decoding: try JSONEncoder().encode(scratch), as: UTF8.self).contains("warmStart"))
        let (tuned, o1) = try cache.model(tinyModel, ft, data: data, warmStart: start.model)
        guard case .trained = o1 else { Issue.record("\(o1)"); return }
        // the same as training a copy of the start by hand
        let byHand = TrainingRun(model: start.model.copy(), config: ft)
        try byHand.train(on: data)
        for (a, b) in zip(tuned.model.parameters, byHand.model.parameters) { #expect(a.values == b.values) }
        // and not what the same epoch from fresh weights gives
        let (fresh, _) = try cache.model(tinyModel, scratch, data: data)
        #expect(zip(tuned.model.parameters, fresh.model.parameters).contains { $0.values != $1.values })
        // the start is left as it was, and the fine-tune is cached
        let (again, o2) = try cache.model(tinyModel, ft, data: data, warmStart: start.model)
        guard case .cached = o2 else { Issue.record("\(o2)"); return }
        for (a, b) in zip(tuned.model.parameters, again.model.parameters) { #expect(a.values == b.values) }
        let (startAgain, _) = try cache.model(tinyModel, base, data: data)
        for (a, b) in zip(start.model.parameters, startAgain.model.parameters) { #expect(a.values == b.values) }
    }
}

@Suite("Memos are versioned")
struct MemoTests {
    @Test func memoOfAnotherVersionIsRecomputed() throws {
        let dir = try freshTempDir("memo")
        var calls = 0
        func value() throws -> [Double] { try memoize("iwae", key: ["model-key", "64"], in: dir, retrain: false) { calls += 1; return [1.5, 2.5] } }
        #expect(try value() == [1.5, 2.5] && calls == 1)
        #expect(try value() == [1.5, 2.5] && calls == 1)          // reused
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(files.count == 1)
        let file = dir + "/" + files[0]
        // Written by another version of the code: recomputed, not reused.
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains("\"format\":\(CodeVersion.current)"))
        try text.replacingOccurrences(of: "\"format\":\(CodeVersion.current)", with: "\"format\":\(CodeVersion.current + 1)")
            .write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try value() == [1.5, 2.5] && calls == 2)
        // A memo from before memos carried a version (the bare value): recomputed too.
        try "[9.5, 9.5]".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try value() == [1.5, 2.5] && calls == 3)
        #expect(try value() == [1.5, 2.5] && calls == 3)
        try? FileManager.default.removeItem(atPath: dir)
    }
}
