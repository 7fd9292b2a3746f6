// bench --export-reference FILE: one small batch through each Gaussian-prior model of the speed
// table, written with every weight so that bench/check_torch_reference.py can load the same
// weights into the PyTorch reference model (bench/torch_reference.py), run the same batch with
// the same noise, and compare the logits and the -ELBO terms.
//
// The file is JSON: {"models": [{"key", "latent", "decoder", "layers", "channels", "first_kernel",
// "kernel", "encoder_channels", "conditioning_channels", "taps": {name: [[ky, kx], ...]},
// "parameters": {name: {"shape", "data"}}, "x", "eps", "mu", "logvar", "logits",
// "log_px", "kl"}]}. Weights are written as this code stores them (NHWC, convolutions as
// [taps * Cin, Cout] over the tap lists given); the Python side does the re-layout.

import Foundation
import VLAE

/// The configs the PyTorch reference implements with the same parameters (no flows).
func exportableToTorch(_ config: ModelConfig) -> Bool { !config.hasFlow }

func exportReference(keys: [String], images: Int, to path: String) {
    var models: [[String: Any]] = []
    for key in keys {
        let c = allConfigs.first { $0.key == key }!.config
        guard exportableToTorch(c) else {
            fail("--export-reference: \(key) has a flow, which the PyTorch check does not map; use factorized, pixelcnn, pixelcnn-full or pixelcnn-uncond")
        }
        models.append(referenceRecord(key: key, config: c, images: images))
    }
    do {
        let data = try JSONSerialization.data(withJSONObject: ["models": models], options: [.sortedKeys])
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        fail("cannot write \(path): \(error.localizedDescription)")
    }
    print("wrote \(path): \(keys.joined(separator: ", ")), \(images) images each")
}

func referenceRecord(key: String, config c: ModelConfig, images n: Int) -> [String: Any] {
    let model = VAE(c, seed: 1)
    let x = randomBatch(n, seed: 3)
    let t = Tape(recording: false)
    var r: [String: Any] = [
        "key": key, "latent": c.latentDim, "encoder_channels": c.encoderChannels,
        "conditioning_channels": c.conditioningChannels, "x": x.values,
        "parameters": Dictionary(uniqueKeysWithValues: model.namedParameters().map {
            ($0.0, ["shape": $0.1.shape, "data": $0.1.values] as [String: Any])
        }),
    ]
    var taps: [String: [[Int]]] = [:]
    func tapList(_ name: String, _ conv: Conv) { taps[name] = conv.geometry.taps.map { [$0.ky, $0.kx] } }
    switch model.decoder {
    case let d as PixelCNNDecoder:
        r["decoder"] = d.config.conditioned ? "pixelcnn" : "pixelcnn-uncond"
        r["layers"] = d.config.layers; r["channels"] = d.config.channels
        r["first_kernel"] = d.config.firstKernel; r["kernel"] = d.config.kernel
        tapList("decoder.first", d.first)
        for (i, b) in d.blocks.enumerated() { tapList("decoder.block\(i + 1)", b) }
    default:
        r["decoder"] = "factorized"
    }
    r["taps"] = taps
    let z: Tensor?
    if c.hasLatent {
        let (mu, logvar) = model.encode(t, x)
        var rng = RNG(seed: 4)
        let eps = Tensor.randomNormal(mu.shape, std: 1, rng: &rng)
        z = t.reparameterize(mu: mu, logvar: logvar, eps: eps)
        r["mu"] = mu.values; r["logvar"] = logvar.values; r["eps"] = eps.values
        r["kl"] = t.gaussianKL(mu: mu, logvar: logvar).values
    } else { z = nil }
    let logits = model.decode(t, x: x, z: z)
    r["logits"] = logits.values
    r["log_px"] = t.bernoulliLogLikelihood(logits: logits, targets: x).values
    return r
}
