// Chapter 1: the variational autoencoder, a refresher.
//
// A factorized-decoder VAE on binarized digits: the encoder q(z|x) maps an image to a Gaussian
// over 32 latent dimensions, the decoder p(x|z) gives every pixel its own Bernoulli given z.
// Training maximises the ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z)).

import ArgumentParser
import ChapterKit
import VLAE

struct Chapter1: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter1",
        abstract: "Chapter 1: a VAE refresher. Trains the factorized-decoder VAE and reports its ELBO.")

    @OptionGroup var options: CommonOptions

    func run() throws {
        runChapter {
            let data = options.loadData()
            print("Chapter 1 · dataset \(data.name): \(data.train.count) train / \(data.validation.count) validation / \(data.test.count) test images, binarization \(options.binarizationName)")

            // @cell train
            let config = ModelConfig(latentDim: options.latentDim, decoder: .factorized)
            let training = options.training(epochs: options.epochs(default: 20, quick: 4, full: 60))
            let vae = try obtainModel(config, training, data: data, options: options)
            // @end

            let path = try writeMetrics(chapter: 1, options: options, data: data, models: [vae.name: vae.metrics])
            print("metrics written to \(path)")
        }
    }
}

Chapter1.main()
