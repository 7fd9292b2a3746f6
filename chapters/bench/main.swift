import VLAE
import Foundation

configureAllocatorForTraining()
func timeStep(_ config: ModelConfig, batch: Int = 64, steps: Int = 6) -> Double {
    let model = VAE(config, seed: 1)
    let opt = Optimizer(.adam, parameters: model.parameters, learningRate: 1e-3)
    var rng = RNG(seed: 2)
    let x = Tensor((0..<(batch * 784)).map { _ in rng.uniform() < 0.13 ? 1 : 0 }, shape: [batch, 28, 28, 1])
    var times: [Double] = []
    for _ in 0..<steps {
        let t0 = Date()
        let tape = Tape()
        let r = model.elbo(tape, x, rng: &rng)
        tape.backward(from: r.loss)
        opt.step()
        tape.reset()
        times.append(Date().timeIntervalSince(t0))
    }
    let best = times.dropFirst().min()!
    print(config.name, String(format: "%.1f ms/step  %.0f img/s", best * 1000, Double(batch) / best))
    return best
}
_ = timeStep(.factorized)
_ = timeStep(.pixelCNN())
