// Each exercise's checks: known values (worked out by hand, written as numbers), finite-difference
// gradients, round trips, and for each common mistake of the catalogue the symptom that gives it
// away, so the report names it. Every check takes the implementation as a parameter: `check`
// passes the module's own, the tests pass planted mistakes and expect the hint that names them.

import Foundation
import VLAE

/// One check's outcome.
public struct Finding: Codable, Sendable {
    public var check: String
    public var passed: Bool
    /// What was measured (and expected).
    public var detail: String
    /// The recognised mistake's hint, when the check failed with its symptom.
    public var hint: String?
}

/// The findings of one exercise's checks.
public struct CheckReport: Codable, Sendable {
    public var findings: [Finding] = []
    public var passed: Bool { findings.allSatisfy(\.passed) }
    public var hints: [String] { findings.compactMap(\.hint) }

    mutating func expect(_ ok: Bool, _ check: String, _ detail: @autoclosure () -> String, hint: @autoclosure () -> String? = nil) {
        findings.append(Finding(check: check, passed: ok, detail: detail(), hint: ok ? nil : hint()))
    }
}

/// Values agree within `tol` (absolute) after `scale`-relative slack; NaN never agrees.
func close(_ a: Double, _ b: Double, tol: Double = 1e-4) -> Bool {
    a.isFinite && b.isFinite ? abs(a - b) <= tol * max(1, abs(b)) : a == b
}
func allClose(_ a: [Double], _ b: [Double], tol: Double = 1e-4) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { close($0, $1, tol: tol) }
}
func show(_ v: [Double]) -> String { "[" + v.map { String(format: "%.5g", $0) }.joined(separator: ", ") + "]" }

// MARK: - finite differences

/// The tape's gradient against central differences for each input of `f`: the loss is
/// sum_i w_i f(inputs)_i with fixed weights w in [0.5, 1.5]. `ratio` is <analytic, numeric> /
/// <numeric, numeric> (1 when they agree, 0 when no gradient arrives, 2 for a doubled one).
public struct GradientComparison: Sendable {
    public var ratio: Double
    /// max |analytic - numeric| / (max |numeric| + 1e-3).
    public var error: Double
    public var agrees: Bool { error < 3e-2 }
}

public func compareGradients(_ inputs: [Tensor], h: Float = 1e-2, seed: UInt64 = 7,
                             _ f: (Tape, [Tensor]) -> Tensor) -> [GradientComparison] {
    for x in inputs { x.requiresGrad = true }
    let probe = f(Tape(recording: false), inputs)
    var rng = RNG(seed: seed)
    let weights = Tensor((0..<probe.count).map { _ in 0.5 + rng.uniform() }, shape: probe.shape)
    func loss(_ t: Tape) -> Tensor { t.sum(t.mul(f(t, inputs), weights)) }
    let tape = Tape()
    tape.backward(from: loss(tape))
    return inputs.map { x in
        let analytic = x.gradValues ?? [Float](repeating: 0, count: x.count)
        var numeric = [Double](repeating: 0, count: x.count)
        for i in 0..<x.count {
            let keep = x.data[i]
            x.data[i] = keep + h; let up = Double(loss(Tape(recording: false)).item)
            x.data[i] = keep - h; let down = Double(loss(Tape(recording: false)).item)
            x.data[i] = keep
            numeric[i] = (up - down) / (2 * Double(h))
        }
        let nn = numeric.reduce(0) { $0 + $1 * $1 }
        let an = zip(analytic, numeric).reduce(0) { $0 + Double($1.0) * $1.1 }
        let scale = numeric.map(abs).max() ?? 0
        let err = zip(analytic, numeric).map { abs(Double($0) - $1) }.max() ?? 0
        return GradientComparison(ratio: nn > 0 ? an / nn : (an == 0 ? 1 : .infinity), error: err / (scale + 1e-3))
    }
}

func tensor(_ v: [Float], _ shape: [Int]? = nil) -> Tensor { Tensor(v, shape: shape ?? [1, v.count]) }

// MARK: - the checks

public enum Checks {
    /// Exercise 1: z = mu + exp(logvar / 2) * eps.
    public static func reparameterize(_ f: (Tape, Tensor, Tensor, Tensor) -> Tensor) -> CheckReport {
        let ex = Catalog.exercise(1)!
        var r = CheckReport()
        let mu: [Float] = [0.5, -1, 0, 2], lv: [Float] = [0, Float(log(4.0)), -2, 1], eps: [Float] = [1, 0.5, -1, 0.3]
        let z = f(Tape(recording: false), tensor(mu), tensor(lv), tensor(eps)).values.map(Double.init)
        let want = [1.5, 0.0, -0.36787944, 2.49461638]
        let withVariance = [1.5, 1.0, -0.13533528, 2.81548455]
        r.expect(allClose(z, want), "known values", "z = \(show(z)), expected \(show(want))",
                 hint: allClose(z, withVariance) ? ex.hint("variance for deviation") : "z = mu + sigma * eps with sigma = exp(logvar / 2)")
        let g = compareGradients([tensor(mu), tensor(lv)]) { t, x in f(t, x[0], x[1], tensor(eps)) }
        r.expect(g[0].agrees, "gradient to mu (finite differences)", String(format: "analytic/numeric = %.3f", g[0].ratio),
                 hint: abs(g[0].ratio) < 0.05 ? ex.hint("no gradient to mu") : "dz/dmu = 1")
        r.expect(g[1].agrees, "gradient to logvar (finite differences)", String(format: "analytic/numeric = %.3f", g[1].ratio),
                 hint: ex.hint("gradient without its 1/2"))
        return r
    }

    /// Exercise 2: KL(N(mu, e^logvar) || N(0, 1)) per dimension.
    public static func gaussianKL(_ f: (Tape, Tensor, Tensor) -> Tensor) -> CheckReport {
        let ex = Catalog.exercise(2)!
        var r = CheckReport()
        let mu: [Float] = [1, 0, 0.5, -2], lv: [Float] = [0, Float(log(2.0)), -1, 0.5]
        let kl = f(Tape(recording: false), tensor(mu), tensor(lv)).values.map(Double.init)
        let want = [0.5, 0.15342641, 0.30893972, 2.07436064]
        let wrongSign = [0.5, 0.84657359, -0.69106028, 2.57436064]
        let hint: String
        if allClose(kl, want.map { 2 * $0 }) { hint = ex.hint("KL without its 1/2") }
        else if allClose(kl, wrongSign) { hint = ex.hint("sign of log sigma^2") }
        else { hint = "KL = 1/2 (mu^2 + sigma^2 - 1 - log sigma^2) per dimension" }
        r.expect(allClose(kl, want), "known values", "KL = \(show(kl)), expected \(show(want))", hint: hint)
        let zero = f(Tape(recording: false), tensor([0, 0]), tensor([0, 0])).values.map(Double.init)
        r.expect(allClose(zero, [0, 0]), "KL(N(0, 1) || N(0, 1)) = 0", "got \(show(zero))", hint: hint)
        let g = compareGradients([tensor(mu), tensor(lv)]) { t, x in f(t, x[0], x[1]) }
        for (name, c) in zip(["mu", "logvar"], g) {
            r.expect(c.agrees, "gradient to \(name) (finite differences)", String(format: "analytic/numeric = %.3f", c.ratio),
                     hint: ex.hint("gradient without its 1/2"))
        }
        return r
    }

    /// Exercise 3: sum_j max(lambda, mean_n kl[n, j]) and its gradient.
    public static func freeBits(_ f: (Tape, Tensor, Float) -> Tensor) -> CheckReport {
        let ex = Catalog.exercise(3)!
        var r = CheckReport()
        // columns: batch means 0.2 (below the floor), 1.0 (above), 0.45 (below)
        let kl: [Float] = [0.1, 1, 0.9,  0.2, 2, 0.1,  0.3, 0, 0.7,  0.2, 1, 0.1]
        let x = Tensor(kl, shape: [4, 3], requiresGrad: true)
        let t = Tape()
        let out = f(t, x, 0.5)
        let v = Double(out.values.first ?? .nan)
        r.expect(out.count == 1, "a scalar", "shape \(out.shape)")
        r.expect(close(v, 2.0), "known value (lambda = 0.5)", String(format: "%.5g, expected 2", v),
                 hint: close(v, 2.275) ? ex.hint("floor per example") : "sum over dimensions of max(lambda, the dimension's batch-mean KL)")
        t.backward(from: out)
        let g = (x.gradValues ?? [Float](repeating: 0, count: 12)).map(Double.init)
        let below = [0, 2, 3, 5, 6, 8, 9, 11].map { g[$0] }, above = [1, 4, 7, 10].map { g[$0] }
        r.expect(below.allSatisfy { $0 == 0 }, "no gradient below the floor", "gradient of the two dimensions below lambda: \(show(below))",
                 hint: ex.hint("gradient below the floor"))
        r.expect(allClose(above, [0.25, 0.25, 0.25, 0.25]), "gradient 1/N above the floor", "gradient of the dimension above lambda: \(show(above)), expected 1/4 each",
                 hint: allClose(above, [1, 1, 1, 1]) ? ex.hint("gradient not divided by N") : "d/dkl[n, j] = 1/N for a dimension above the floor")
        return r
    }

    /// Exercise 4: rANS push and pop.
    public static func rans(push: (inout ANSMessage, UInt32, UInt32, Int) -> Void,
                            pop: (inout ANSMessage, UInt32, UInt32, Int) throws -> Void) -> CheckReport {
        let ex = Catalog.exercise(4)!
        var r = CheckReport()
        for precision in [12, 16, 24] {
            let total = UInt32(1) << UInt32(precision)
            let freqs: [UInt32] = [total / 2, total / 4 - 1, total / 8, total / 8, 1]
            var starts: [UInt32] = [0]
            for f in freqs { starts.append(starts.last! + f) }
            var rng = RNG(seed: UInt64(precision))
            let symbols = (0..<3000).map { _ -> Int in
                let u = rng.uniform()
                return u < 0.5 ? 0 : u < 0.75 ? 1 : u < 0.87 ? 2 : u < 0.999 ? 3 : 4
            }
            var m = ANSMessage()
            var ideal = 0.0
            var headOutOfRange = false
            for s in symbols {
                push(&m, starts[s], freqs[s], precision)
                ideal += Double(precision) - log2(Double(freqs[s]))
                if m.head < ANSMessage.lowerBound || m.head >= 1 << 63 { headOutOfRange = true }
            }
            let grew = m.tail.count
            r.expect(grew > 0 && !headOutOfRange, "head stays in [2^31, 2^63) while pushing (precision \(precision))",
                     "\(grew) words moved to the tail for \(Int(ideal)) bits of symbols", hint: ex.hint("no renormalisation"))
            let length = m.bits - ANSMessage().bits
            r.expect(abs(length - ideal) <= 64 + 1e-3 * ideal, "message length = sum of -log2 p (precision \(precision))",
                     String(format: "%.1f bits, ideal %.1f", length, ideal), hint: ex.hint("no renormalisation"))
            var decoded: [Int] = []
            var lowHead = false
            do {
                for _ in symbols {
                    let slot = m.peek(precision: precision)
                    let s = starts.lastIndex { $0 <= slot }.map { min($0, freqs.count - 1) } ?? 0
                    try pop(&m, starts[s], freqs[s], precision)
                    if m.head < ANSMessage.lowerBound { lowHead = true }
                    decoded.append(s)
                }
            } catch { }
            let back = decoded == symbols.reversed() && m == ANSMessage()
            r.expect(back, "pop gives the symbols back, last first, and the empty message (precision \(precision))",
                     "\(zip(decoded, symbols.reversed()).prefix { $0 == $1 }.count) of \(symbols.count) symbols back",
                     hint: grew == 0 ? ex.hint("no renormalisation") : lowHead ? ex.hint("no refill") : ex.hint("pop not the inverse of push"))
        }
        return r
    }

    /// Exercise 5: a binary pixel on the rANS message.
    public static func bernoulli(push: (Bool, UInt32, inout ANSMessage, Int) -> Void,
                                 pop: (UInt32, inout ANSMessage, Int) throws -> Bool) -> CheckReport {
        let ex = Catalog.exercise(5)!
        var r = CheckReport()
        let precision = 16
        var rng = RNG(seed: 55)
        let f1s = (0..<2000).map { _ in UInt32(1 + rng.below((1 << precision) - 1)) }
        let bits = f1s.map { rng.uniform() < Float($0) / Float(1 << precision) }
        var m = ANSMessage()
        var ideal = 0.0, swapped = 0.0
        for (b, f1) in zip(bits, f1s) {
            push(b, f1, &m, precision)
            ideal += BernoulliCoding.codeLength(b, frequencyOfOne: f1, precision: precision)
            swapped += BernoulliCoding.codeLength(!b, frequencyOfOne: f1, precision: precision)
        }
        let length = m.bits - ANSMessage().bits
        var decoded: [Bool] = []
        do { for f1 in f1s.reversed() { decoded.append(try pop(f1, &m, precision)) } } catch { }
        decoded.reverse()
        let inverted = decoded.count == bits.count && zip(decoded, bits).allSatisfy { $0 != $1 }
        r.expect(decoded == bits && m == ANSMessage(), "2,000 pixels back, last first", "\(zip(decoded, bits).filter { $0 == $1 }.count) of \(bits.count) pixels back",
                 hint: inverted ? ex.hint("ranges swapped") : ex.hint("wrong frequency for 0"))
        r.expect(abs(length - ideal) <= 64 + 1e-3 * ideal, "length = sum of -log2 p(pixel)", String(format: "%.1f bits, ideal %.1f", length, ideal),
                 hint: abs(length - swapped) <= 64 + 1e-3 * swapped ? ex.hint("ranges swapped") : ex.hint("wrong frequency for 0"))
        return r
    }

    /// What coding digits with a bits-back coder gave (exercise 6).
    public struct CodedDigits {
        public var bytes: [UInt8]
        /// Bits the digits added to the message, per digit.
        public var bitsPerDigit: Double
        /// Mean ideal net length (pixels + prior - bits back) and bits back, per digit.
        public var netBits: Double, bitsBack: Double
        public init(bytes: [UInt8], bitsPerDigit: Double, netBits: Double, bitsBack: Double) {
            self.bytes = bytes; self.bitsPerDigit = bitsPerDigit; self.netBits = netBits; self.bitsBack = bitsBack
        }
    }

    /// The small model and digits the bits-back check codes: a factorized VAE with random weights
    /// (a 4-dimensional code) and six random binary images.
    public static func bitsBackFixture() -> (model: VAE, images: [[Float]]) {
        let model = VAE(ModelConfig(latentDim: 4, decoder: .factorized, encoderChannels: [4, 4, 4], conditioningChannels: [4, 4, 4]), seed: 6)
        var rng = RNG(seed: 66)
        let images = (0..<6).map { _ in (0..<784).map { _ -> Float in rng.uniform() < 0.2 ? 1 : 0 } }
        return (model, images)
    }

    /// The settings the check codes with (8-bit latent buckets keep it fast).
    public static let bitsBackSettings = BBANSSettings(latentBits: 8, latentPrecision: 20, cleanWords: 64)

    /// Exercise 6: the module's coder, driven through its public encode and decode.
    public static func bitsBack() -> CheckReport {
        let (model, images) = bitsBackFixture()
        let coder = BBANSCoder(model: model, settings: bitsBackSettings)
        return bitsBack(images: images, encode: { xs in
            let e = try coder.encode(xs)
            let n = Double(e.lengths.count)
            return CodedDigits(bytes: e.bytes, bitsPerDigit: e.bitsPerDigit, netBits: e.lengths.reduce(0) { $0 + $1.net } / n,
                               bitsBack: e.lengths.reduce(0) { $0 + $1.bitsBack } / n)
        }, decode: { try coder.decode($0) })
    }

    public static func bitsBack(images: [[Float]], encode: ([[Float]]) throws -> CodedDigits,
                                decode: ([UInt8]) throws -> [[Float]]) -> CheckReport {
        let ex = Catalog.exercise(6)!
        var r = CheckReport()
        let coded: CodedDigits
        do { coded = try encode(images) } catch {
            r.expect(false, "encoding", "encoding threw: \(error)", hint: ex.hint("no bits back"))
            return r
        }
        r.expect(coded.bitsBack > 1, "bits back are read from the message", String(format: "%.1f bits back per digit", coded.bitsBack),
                 hint: ex.hint("no bits back"))
        r.expect(abs(coded.bitsPerDigit - coded.netBits) < 1 + 0.01 * coded.netBits, "the message grows by the net length",
                 String(format: "%.1f bits per digit added, net ideal length %.1f (pixels + prior - bits back)", coded.bitsPerDigit, coded.netBits),
                 hint: ex.hint("no bits back"))
        var back: [[Float]] = []
        var failure = ""
        do { back = try decode(coded.bytes) } catch { failure = " (\(error))" }
        r.expect(back == images, "every digit decodes back, bit for bit", "\(zip(back, images).filter { $0 == $1 }.count) of \(images.count) digits back" + failure,
                 hint: ex.hint("decoder keeps the borrowed bits"))
        return r
    }

    /// Exercise 7: the taps of masked convolutions, and causality of a two-layer stack built with them.
    public static func maskedTaps(_ masked: (MaskType, Int) -> ConvGeometry) -> CheckReport {
        let ex = Catalog.exercise(7)!
        var r = CheckReport()
        // the kernel's positions numbered in raster order, ky * k + kx: the centre is 4 of 0...8 (3x3), 12 of 0...24 (5x5)
        for (k, centreIndex) in [(3, 4), (5, 12)] {
            for type in [MaskType.a, .b] {
                let indices = masked(type, k).taps.map { $0.ky * k + $0.kx }
                let centre = indices.contains(centreIndex)
                let future = indices.filter { $0 > centreIndex }
                let past = Set(indices.filter { $0 < centreIndex })
                r.expect(future.isEmpty, "type \(type.rawValue) \(k)x\(k): no future taps", "\(future.count) taps below or right of the centre",
                         hint: ex.hint("future taps"))
                r.expect(past.count == centreIndex, "type \(type.rawValue) \(k)x\(k): every past tap", "\(past.count) of \(centreIndex) taps above or left of the centre",
                         hint: "keep every tap of the rows above the centre and left of it in its row")
                if type == .a {
                    r.expect(!centre, "type A \(k)x\(k): no centre tap", centre ? "the centre tap is kept" : "no centre tap", hint: ex.hint("type-B mask on the first layer"))
                } else {
                    r.expect(centre, "type B \(k)x\(k): the centre tap", centre ? "the centre tap is kept" : "no centre tap", hint: ex.hint("type B without its centre"))
                }
            }
        }
        // A type-A layer, a type-B layer and a 1x1 output on a 10x10 image: flipping pixel p may
        // change the logits of later pixels only.
        var rng = RNG(seed: 77)
        let a = Conv(1, 3, masked(.a, 3), rng: &rng), b = Conv(3, 3, masked(.b, 3), rng: &rng)
        let out = Conv(3, 1, ConvGeometry(kernel: 1, pad: 0), rng: &rng)
        func logits(_ x: Tensor) -> [Float] {
            let t = Tape(recording: false)
            return out(t, t.elu(b(t, t.elu(a(t, x))))).values
        }
        let x = Tensor((0..<100).map { _ in rng.uniform() < 0.3 ? 1 : 0 }, shape: [1, 10, 10, 1])
        let base = logits(x)
        var seesItself = false, seesFuture = false
        for p in [0, 44, 55, 99] {
            x.data[p] = 1 - x.data[p]
            let moved = zip(logits(x), base).map { $0 != $1 }
            x.data[p] = 1 - x.data[p]
            if moved[p] { seesItself = true }
            if moved[..<p].contains(true) { seesFuture = true }
        }
        r.expect(!seesItself && !seesFuture, "a type-A + type-B stack is causal", seesItself ? "the logit of a pixel changes when that pixel flips" : seesFuture ? "a logit changes when a later pixel flips" : "no logit depends on its own or a later pixel",
                 hint: seesItself ? ex.hint("type-B mask on the first layer") : ex.hint("future taps"))
        return r
    }

    /// Exercise 8: log-sum-exp, in both versions.
    public static func logSumExp(double f: ([Double]) -> Double, float g: ([Float]) -> Float) -> CheckReport {
        let ex = Catalog.exercise(8)!
        var r = CheckReport()
        let cases: [([Double], Double)] = [([0, log(3.0)], log(4.0)), ([-1000, -1000], -999.30685282), ([800, 800, 800], 801.09861229),
                                           ([-.infinity, 0], 0), ([-.infinity, -.infinity], -.infinity)]
        for name in ["[Double]", "[Float]"] {
            for (xs, want) in cases {
                let got = name == "[Double]" ? f(xs) : Double(g(xs.map(Float.init)))
                let tol = name == "[Float]" ? 1e-6 : 1e-9
                r.expect(close(got, want, tol: tol), "\(name) logsumexp \(show(xs))", "\(got), expected \(want)",
                         hint: got.isNaN && want == -.infinity ? ex.hint("all minus infinity") : !got.isFinite ? ex.hint("no max shift") : "log sum exp x_i = m + log sum exp(x_i - m), m the largest")
            }
        }
        return r
    }

    /// Exercise 9: -L_k from log weights.
    public static func iwaeBound(_ boundByK: ([Double], [Int]) -> [Double]) -> CheckReport {
        let ex = Catalog.exercise(9)!
        var r = CheckReport()
        let w: [Double] = [-90, -91, -92.5, -89.5, -95, -90.2, -91.1, -90.7]
        let ks = [1, 2, 4, 8]
        let got = boundByK(w, ks)
        let want = [91.25, 90.57238209, 90.56892746, 90.52053704]
        let hint: String
        if allClose(got, zip(want, ks).map { $0 - log(Double($1)) }) { hint = ex.hint("log-sum without log k") }
        else if got.count == ks.count && got.allSatisfy({ close($0, 91.25) }) { hint = ex.hint("mean of the log weights") }
        else { hint = "-L_k = -(logsumexp of a group's k log weights - log k), averaged over the groups" }
        r.expect(allClose(got, want, tol: 1e-7), "known values, k = 1, 2, 4, 8", "-L_k = \(show(got)), expected \(show(want))", hint: hint)
        let shifted = boundByK(w.map { $0 - 900 }, [8])
        r.expect(allClose(shifted, [want[3] + 900], tol: 1e-9), "weights near e^-990", "-L_8 = \(show(shifted)), expected \(want[3] + 900)",
                 hint: Catalog.exercise(8)!.hint("no max shift"))
        return r
    }

    /// Exercise 9, the second region: importanceWeightedNLL gives boundByK of its own log weights.
    public static func iwaeNLL() -> CheckReport {
        var r = CheckReport()
        let (model, images) = bitsBackFixture()
        let set = ImageSet(pixels: images.prefix(3).flatMap { $0 }, labels: [0, 1, 2])
        let w = model.importanceLogWeights(set, k: 8, seed: 9)
        let nll = model.importanceWeightedNLL(set, k: 8, seed: 9).nllPerImage
        let want = w.map { boundByK($0, ks: [8])[0] }
        r.expect(allClose(nll, want, tol: 1e-9), "importanceWeightedNLL = boundByK of its log weights", "\(show(nll)) vs \(show(want))",
                 hint: Catalog.exercise(9)!.hint("log-sum without log k"))
        return r
    }

    /// Exercise 10: the degree rule, and the autoregressive Jacobian of a MADE built with it.
    public static func madeMasks(_ visible: ([Int], Int, Bool) -> Int) -> CheckReport {
        let ex = Catalog.exercise(10)!
        var r = CheckReport()
        let degrees = [1, 2, 3, 4]
        let hidden = (1...4).map { visible(degrees, $0, false) }, output = (1...4).map { visible(degrees, $0, true) }
        r.expect(output == [0, 1, 2, 3], "output layer (strict): inputs seen by degrees 1...4", "\(output), expected [0, 1, 2, 3]",
                 hint: output == [1, 2, 3, 4] ? ex.hint("output layer not strict") : "an output of degree d sees the inputs of degree < d")
        r.expect(hidden == [1, 2, 3, 4], "hidden layer: inputs seen by degrees 1...4", "\(hidden), expected [1, 2, 3, 4]",
                 hint: hidden == [0, 1, 2, 3] ? ex.hint("hidden layer strict") : "a hidden unit of degree d sees the inputs of degree <= d")
        return r
    }

    /// Exercise 10 on the module: d mu_i / d x_j of a random MADE is 0 for j >= i and not all 0 below.
    public static func madeJacobian() -> CheckReport {
        let ex = Catalog.exercise(10)!
        var r = CheckReport()
        var rng = RNG(seed: 10)
        let d = 4
        let made = MADE(dim: d, hidden: [6, 6], rng: &rng)
        for p in made.parameters { rng.fillUniform(p.buffer, -0.5, 0.5) }
        let x = Tensor((0..<d).map { _ in rng.normal() }, shape: [1, d])
        func heads() -> [Float] { let (mu, s) = made(Tape(recording: false), x); return mu.values + s.values }
        let base = heads()
        var forbidden = 0, allowed = 0
        for j in 0..<d {
            x.data[j] += 0.1
            let moved = zip(heads(), base).map { $0 != $1 }
            x.data[j] -= 0.1
            for i in 0..<d where moved[i] || moved[d + i] { if j >= i { forbidden += 1 } else { allowed += 1 } }
        }
        r.expect(forbidden == 0, "output i reads inputs before i only", "\(forbidden) (output, input) pairs with input >= output move the output",
                 hint: ex.hint("output layer not strict"))
        r.expect(allowed == d * (d - 1) / 2, "output i reads every input before i", "\(allowed) of \(d * (d - 1) / 2) allowed pairs connected",
                 hint: ex.hint("hidden layer strict"))
        return r
    }

    /// The flow the AF check uses: 3 dimensions, 2 steps, random weights (`identityLast`: the
    /// second step zeroed, so it is the identity).
    public static func afFixture(identityLast: Bool) -> AutoregressiveFlowPrior {
        var rng = RNG(seed: 11)
        let prior = AutoregressiveFlowPrior(dim: 3, config: FlowConfig(steps: 2, hidden: [8]), rng: &rng)
        for p in prior.parameters { rng.fillUniform(p.buffer, -0.4, 0.4) }
        if identityLast { for p in prior.flow.made[1].parameters { p.buffer.initialize(repeating: 0) } }
        return prior
    }

    /// Exercise 11: the AF prior's density against the change of variables measured on `sample`.
    public static func afDensity(logDensity: (AutoregressiveFlowPrior, Tape, Tensor) -> Tensor,
                                 epsilon: (AutoregressiveFlowPrior, Tensor) -> Tensor) -> CheckReport {
        let ex = Catalog.exercise(11)!
        var r = CheckReport()
        let eps = Tensor([0.3, -1.2, 0.8], shape: [1, 3])
        var results: [(ok: Bool, plus: Bool)] = []
        for identityLast in [true, false] {
            let prior = afFixture(identityLast: identityLast)
            let z = prior.sample(eps: eps)
            // log |det dz/deps| by central differences on the sampler (which is not an exercise)
            var jac = [[Double]](repeating: [0, 0, 0], count: 3)
            for j in 0..<3 {
                let h: Float = 1e-2
                eps.data[j] += h; let up = prior.sample(eps: eps).values
                eps.data[j] -= 2 * h; let down = prior.sample(eps: eps).values
                eps.data[j] += h
                for i in 0..<3 { jac[i][j] = Double(up[i] - down[i]) / Double(2 * h) }
            }
            let det = jac[0][0] * (jac[1][1] * jac[2][2] - jac[1][2] * jac[2][1]) - jac[0][1] * (jac[1][0] * jac[2][2] - jac[1][2] * jac[2][0])
                + jac[0][2] * (jac[1][0] * jac[2][1] - jac[1][1] * jac[2][0])
            let logN = eps.values.reduce(0) { $0 - 0.5 * (log(2 * Double.pi) + Double($1) * Double($1)) }
            let got = logDensity(prior, Tape(recording: false), z).values.reduce(0) { $0 + Double($1) }
            let want = logN - log(abs(det))
            results.append((close(got, want, tol: 2e-3), close(got, logN + log(abs(det)), tol: 2e-3)))
            let label = identityLast ? "one step" : "two steps"
            r.expect(results.last!.ok, "log p(z) = log N(eps) - log |det dz/deps| (\(label))", String(format: "%.5f, expected %.5f", got, want),
                     hint: results.last!.plus ? ex.hint("log-determinant added")
                         : identityLast ? "log p(z) = log N(eps; 0, I) - sum_k sum_i log sigma_k,i" : ex.hint("steps in sampling order"))
            let back = epsilon(prior, z).values
            r.expect(zip(back, eps.values).allSatisfy { abs($0 - $1) < 1e-4 }, "epsilon(z) gives eps back (\(label))",
                     "\(back.map { String(format: "%.5f", $0) }) vs \(eps.values)",
                     hint: identityLast ? "each step's inverse is (u - mu) / sigma" : ex.hint("steps in sampling order"))
        }
        let prior = afFixture(identityLast: false)
        let z = prior.sample(eps: eps)
        let g = compareGradients([z]) { t, x in logDensity(prior, t, x[0]) }
        r.expect(g[0].agrees, "gradient of log p(z) to z (finite differences)", String(format: "analytic/numeric = %.3f", g[0].ratio),
                 hint: "build log p(z) from tape operations (flow.parameters, standardize, standardNormalLogDensity, sub) so gradients reach z and the MADE weights")
        return r
    }

    /// Every check of exercise `n` with the module's own code.
    public static func run(_ n: Int) -> CheckReport {
        switch n {
        case 1: return reparameterize { $0.reparameterize(mu: $1, logvar: $2, eps: $3) }
        case 2: return gaussianKL { $0.gaussianKL(mu: $1, logvar: $2) }
        case 3: return freeBits { $0.freeBitsKL($1, lambda: $2) }
        case 4: return rans(push: { $0.push(start: $1, freq: $2, precision: $3) }, pop: { try $0.pop(start: $1, freq: $2, precision: $3) })
        case 5: return bernoulli(push: { BernoulliCoding.push($0, frequencyOfOne: $1, into: &$2, precision: $3) },
                                 pop: { try BernoulliCoding.pop(frequencyOfOne: $0, from: &$1, precision: $2) })
        case 6: return bitsBack()
        case 7: return maskedTaps { ConvGeometry.masked($0, kernel: $1) }
        case 8: return logSumExp(double: { VLAE.logSumExp($0) }, float: { xs in xs.withUnsafeBufferPointer { VLAE.logSumExp($0.baseAddress!, xs.count) } })
        case 9:
            var r = iwaeBound { boundByK($0, ks: $1) }
            r.findings += iwaeNLL().findings
            return r
        case 10:
            var rng = RNG(seed: 1)    // the degree rule, read through the layer's groups (a group's prefix is what it sees)
            var r = madeMasks { MaskedLinear(inDegrees: $0, outDegrees: [$1], strict: $2, rng: &rng).groups[0].prefix }
            r.findings += madeJacobian().findings
            return r
        case 11: return afDensity(logDensity: { $0.logDensity($1, $2) }, epsilon: { $0.epsilon($1) })
        default: preconditionFailure("no exercise \(n)")
        }
    }
}
