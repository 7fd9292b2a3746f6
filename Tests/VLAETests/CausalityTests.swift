// The PixelCNN must not see the pixel it predicts, nor any later pixel (raster order).
// A leak would make the NLL look impossibly good, so these tests perturb pixel i and check
// which logits move.

import Testing
@testable import VLAE

@Suite("Masked convolution causality")
struct CausalityTests {
    /// Logits of an untrained decoder for image x (z fixed).
    func logits(_ model: VAE, _ x: Tensor, _ z: Tensor?) -> [Float] {
        model.decode(Tape(recording: false), x: x, z: z).values
    }

    func check(_ config: PixelCNNConfig) {
        let model = VAE(ModelConfig(latentDim: 4, decoder: .pixelCNN(config)), seed: 5)
        var rng = RNG(seed: 9)
        let base = (0..<784).map { _ in Float(rng.uniform() < 0.5 ? 1 : 0) }
        let z: Tensor? = config.conditioned ? Tensor.randomNormal([1, 4], std: 1, rng: &rng) : nil
        let before = logits(model, Tensor(base, shape: [1, 28, 28, 1]), z)
        for i in [0, 29, 300, 405, 783] {
            var flipped = base
            flipped[i] = 1 - flipped[i]
            let after = logits(model, Tensor(flipped, shape: [1, 28, 28, 1]), z)
            // no logit at or before i may move (type A: not even i itself)
            let leaks = (0...i).filter { before[$0] != after[$0] }
            #expect(leaks.isEmpty, "\(config): flipping pixel \(i) moved logits \(leaks.prefix(5))")
            // and the flip must be visible somewhere after i (else the test proves nothing)
            if i < 783 {
                #expect(((i + 1)..<784).contains { before[$0] != after[$0] }, "flipping pixel \(i) changed nothing")
            }
        }
    }

    @Test func pixelCNN3x3() { check(PixelCNNConfig(layers: 6, channels: 8, kernel: 3)) }
    @Test func pixelCNN5x5() { check(PixelCNNConfig(layers: 3, channels: 8, kernel: 5)) }
    @Test func pixelCNNFull() { check(PixelCNNConfig(layers: 4, channels: 8, kernel: 3, firstKernel: 7)) }
    @Test func unconditional() { check(PixelCNNConfig(layers: 3, channels: 8, conditioned: false)) }

    @Test func maskTaps() {
        // 3x3 type A: the three pixels of the row above and the one to the left.
        let a = ConvGeometry.masked(.a, kernel: 3).taps.map { [$0.ky, $0.kx] }
        #expect(a == [[0, 0], [0, 1], [0, 2], [1, 0]])
        let b = ConvGeometry.masked(.b, kernel: 3).taps.map { [$0.ky, $0.kx] }
        #expect(b == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1]])
        #expect(ConvGeometry.masked(.a, kernel: 7).taps.count == 24)
    }
}

@Suite("Receptive field with the blind spot")
struct ReceptiveFieldTests {
    /// The pixels whose flip moves the logit of pixel (14, 14) of a real decoder are exactly the
    /// offsets ReceptiveField computes from the config.
    func check(_ config: PixelCNNConfig) {
        let model = VAE(ModelConfig(latentDim: 4, decoder: .pixelCNN(config)), seed: 5)
        var rng = RNG(seed: 9)
        let base = (0..<784).map { _ in Float(rng.uniform() < 0.5 ? 1 : 0) }
        let z = Tensor.randomNormal([1, 4], std: 1, rng: &rng)
        let at = 14 * 28 + 14
        let before = model.decode(Tape(recording: false), x: Tensor(base, shape: [1, 28, 28, 1]), z: z).values[at]
        var measured = Set<ReceptiveField.Offset>()
        for q in 0..<784 {
            var flipped = base
            flipped[q] = 1 - flipped[q]
            let after = model.decode(Tape(recording: false), x: Tensor(flipped, shape: [1, 28, 28, 1]), z: z).values[at]
            if after != before { measured.insert(.init(dy: q / 28 - 14, dx: q % 28 - 14)) }
        }
        let field = ReceptiveField(config)
        #expect(measured == field.offsets, "\(config): measured \(measured.count) pixels, computed \(field.count)")
        #expect(field.blindSpot > 0 || config.layers == 1)
    }

    @Test func threeByThree() { check(PixelCNNConfig(layers: 4, channels: 4, kernel: 3)) }
    @Test func sevenBySevenFirst() { check(PixelCNNConfig(layers: 3, channels: 4, kernel: 3, firstKernel: 7)) }
}

@Suite struct ReceptiveFieldEdgeTests {
    /// Near the image's edge part of a field falls off the image: the count at a pixel is the
    /// offsets that land inside, never more than the pixels that come before it.
    @Test func countAtAPixelStaysInsideTheImage() {
        let wide = ReceptiveField(PixelCNNConfig(layers: 12, kernel: 3, firstKernel: 7))
        let centre = wide.count(row: 14, column: 14)
        #expect(centre <= 14 * 28 + 14)
        #expect(centre < wide.count)                      // the 12-layer field reaches past row 0
        #expect(wide.count(row: 0, column: 0) == 0)
        let small = ReceptiveField(PixelCNNConfig(layers: 2, kernel: 3))
        #expect(small.count(row: 14, column: 14) == small.count)   // well inside: nothing falls off
        #expect(small.count(row: 14, column: 0) == small.offsets.filter { $0.dx >= 0 }.count)
    }
}
