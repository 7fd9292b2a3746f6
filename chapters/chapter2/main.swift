import VLAE
import ChapterKit
import Foundation
setvbuf(stdout, nil, _IOLBF, 0)
let which = CommandLine.arguments[1]
let epochs = Int(CommandLine.arguments[2])!
let data = Rule90Textures().dataset()
let exact = (0..<500).map { Rule90Textures().exactNLL(data.test.pixels[($0*784)..<(($0+1)*784)]) }.reduce(0,+)/500
print("exact NLL", exact)
let config: ModelConfig = which == "fact" ? .factorized : .pixelCNN()
let run = TrainingRun(model: VAE(config, seed: 1), config: TrainingConfig(epochs: epochs))
try run.train(on: data, onStep: { s in if s.step % 21 == 0 { print(s.epoch, s.step, String(format: "loss %.2f recon %.2f kl %.3f  %.0f img/s", s.loss, s.reconstruction, s.kl, s.imagesPerSecond)) } }) { r in
  print("epoch", r.epoch, String(format: "val elbo %.2f recon %.2f kl %.3f active %d", r.validationELBO, r.validationReconstruction, r.validationKL, r.validationKLPerDim.filter{$0>0.1}.count))
}
