// Seconds per training step of several models, measured side by side in one sitting.
//
// Training times recorded in the model cache come from different moments; on a shared machine
// their ratio says more about the load than about the models. Here every model takes a few
// optimiser steps on the same real batch, in interleaved rounds (A B C, A B C, ...), and each
// keeps its best step: models that cost the same come out the same even when the load changes.
// Fresh weights are used (the same config and seed as training), so the cached models are untouched.

import Foundation
import VLAE

public struct StepTime: Codable, Sendable {
    /// Best wall-clock seconds of one step (forward, backward, Adam) at the batch size used.
    public var seconds: Double
    /// Process CPU seconds of that step (all threads): steadier under load.
    public var cpuSeconds: Double
    public var batch: Int
}

/// Time one training step of each recipe (config + training, for the free-bits setting) on
/// `images` (batch x 784 pixels), in `rounds` interleaved rounds of `steps` steps after one warm-up.
public func measureStepTimes(_ models: [(name: String, config: ModelConfig, training: TrainingConfig)],
                             images: [Float], batch: Int, rounds: Int = 3, steps: Int = 3) -> [String: StepTime] {
    configureAllocatorForTraining()
    let x = Tensor(images, shape: [batch, 28, 28, 1])
    struct Runner { let model: VAE; let optimizer: Optimizer; let options: ELBOOptions; var rng: RNG }
    var runners = models.map { m -> Runner in
        let model = VAE(m.config, seed: m.training.seed)
        return Runner(model: model, optimizer: Optimizer(m.training.optimizer, parameters: model.parameters,
                                                          learningRate: m.training.learningRate),
                      options: ELBOOptions(freeBits: m.training.freeBits), rng: RNG(seed: 7))
    }
    func step(_ i: Int) -> (Double, Double) {
        let t0 = Date(), c0 = processCPUSeconds()
        let tape = Tape()
        let r = runners[i].model.elbo(tape, x, rng: &runners[i].rng, options: runners[i].options)
        tape.backward(from: r.loss)
        runners[i].optimizer.step()
        tape.reset()
        return (Date().timeIntervalSince(t0), processCPUSeconds() - c0)
    }
    var best = [(Double, Double)](repeating: (.infinity, .infinity), count: models.count)
    for i in models.indices { _ = step(i) }
    for _ in 0..<rounds {
        for i in models.indices {
            for _ in 0..<steps {
                let (w, c) = step(i)
                best[i] = (min(best[i].0, w), min(best[i].1, c))
            }
        }
    }
    var out: [String: StepTime] = [:]
    for (i, m) in models.enumerated() { out[m.name] = StepTime(seconds: best[i].0, cpuSeconds: best[i].1, batch: batch) }
    return out
}

/// CPU seconds used by this process so far (all threads).
public func processCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// The machine's load average over the last minute, or nil if unknown.
public func loadAverage() -> Double? {
    guard let s = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
    return s.split(separator: " ").first.flatMap { Double($0) }
}
