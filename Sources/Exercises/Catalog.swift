// The book's exercises: eleven pieces of the model module (Sources/VLAE) that carry a chapter's idea.
//
// Each solution region in Sources/VLAE is marked
//
//     // @exercise N
//     ... the solution ...
//     // @exercise-end
//
// (one exercise may have several regions, in one or several files; regions may sit inside the
// `// @cell` ... `// @end` cells the chapters show, whose extraction skips these marker lines).
// `swift run exercises student DIR` writes a copy of the repository in which every region is the
// one-line stub `fatalError("exercise N: <task>")`; `swift run check [N]` runs each exercise's
// checks (Checks.swift) and then its end-to-end run (Runs.swift) against the bands measured over
// seeds 1-3 (records/exercise-bands.json).

import Foundation

/// A common mistake an exercise's checks recognise, and what the checker says when it sees it.
public struct Mistake: Sendable {
    /// A short name, used by the tests that plant it ("KL without its 1/2").
    public let name: String
    /// What the checker prints when it recognises the mistake.
    public let hint: String
}

public struct Exercise: Sendable {
    public let number: Int
    public let title: String
    public let chapter: Int
    /// Files holding the solution regions, relative to Sources/VLAE.
    public let files: [String]
    /// What to implement: the stub's message after "exercise N: ".
    public let task: String
    /// The chapter's idea this piece carries (the instructor list).
    public let idea: String
    public let mistakes: [Mistake]
    /// The end-to-end run whose key numbers are checked against measured bands.
    public let run: EndToEndRun

    /// The stub's message.
    public var stubMessage: String { "exercise \(number): \(task)" }

    /// The hint of the mistake called `name` (a programming error if there is none).
    public func hint(_ name: String) -> String {
        guard let m = mistakes.first(where: { $0.name == name }) else { preconditionFailure("exercise \(number) lists no mistake \"\(name)\"") }
        return m.hint
    }
}

public enum Catalog {
    public static let all: [Exercise] = [
        Exercise(number: 1, title: "The reparameterisation trick", chapter: 1, files: ["Objectives/Gaussian.swift"],
                 task: "Tape.reparameterize: z = mu + exp(logvar / 2) * eps, with its backward step to mu and logvar",
                 idea: "a sample of q(z|x) written as a differentiable function of (mu, logvar) and outside noise, so the ELBO's gradient reaches the encoder",
                 mistakes: [
                    Mistake(name: "variance for deviation", hint: "sigma is exp(logvar / 2): logvar is log sigma^2, and exp(logvar) is the variance, not the deviation"),
                    Mistake(name: "gradient without its 1/2", hint: "dz/dlogvar = eps * sigma / 2: the chain rule through exp(logvar / 2) brings a 1/2"),
                    Mistake(name: "no gradient to mu", hint: "dz/dmu = 1: the backward step must add the output's gradient to mu's"),
                 ], run: .vae),
        Exercise(number: 2, title: "The Gaussian KL in closed form", chapter: 1, files: ["Objectives/Gaussian.swift"],
                 task: "Tape.gaussianKL: KL(N(mu, e^logvar) || N(0, 1)) per dimension, forward and backward",
                 idea: "the rate term of the ELBO: the nats the code z spends per dimension, in closed form for a Gaussian posterior and prior",
                 mistakes: [
                    Mistake(name: "KL without its 1/2", hint: "the KL is 1/2 (mu^2 + sigma^2 - 1 - log sigma^2): the values are twice the right ones, the 1/2 is missing"),
                    Mistake(name: "sign of log sigma^2", hint: "the log term enters with a minus: - log sigma^2 (the KL is 0 at mu = 0, sigma = 1 and grows either side)"),
                    Mistake(name: "gradient without its 1/2", hint: "dKL/dlogvar = (e^logvar - 1) / 2 and dKL/dmu = mu: the backward step does not match the forward value"),
                 ], run: .vae),
        Exercise(number: 3, title: "Free bits and its gradient", chapter: 2, files: ["Objectives/FreeBits.swift"],
                 task: "Tape.freeBitsKL: sum over dimensions j of max(lambda, mean over the batch of kl[n, j]), with its gradient",
                 idea: "a remedy for posterior collapse: each latent dimension may use lambda nats for free, and below the floor the KL gets no gradient pushing it further down",
                 mistakes: [
                    Mistake(name: "floor per example", hint: "the floor applies to each dimension's KL averaged over the batch, max(lambda, mean_n kl[n, j]), not to every example's KL"),
                    Mistake(name: "gradient below the floor", hint: "a dimension whose batch-mean KL is below lambda costs a constant: it must get no gradient"),
                    Mistake(name: "gradient not divided by N", hint: "the mean over the batch gives each example's KL a gradient of 1/N, not 1"),
                 ], run: .freeBits),
        Exercise(number: 4, title: "An rANS push and pop", chapter: 3, files: ["Coding/ANSMessage.swift"],
                 task: "ANSMessage.push and ANSMessage.pop: the rANS step, with the head kept in [2^31, 2^63) by moving 32-bit words to and from the tail",
                 idea: "a symbol of probability freq / 2^precision grows the message by -log2 of that probability; pop is push's exact inverse, last in first out",
                 mistakes: [
                    Mistake(name: "no renormalisation", hint: "before the push would take the head past 2^63, move its low 32 bits to the tail (head >= ((2^31 >> precision) << 32) * freq)"),
                    Mistake(name: "no refill", hint: "after a pop the head may fall below 2^31: take the last tail word back into its low 32 bits"),
                    Mistake(name: "pop not the inverse of push", hint: "pop must undo push exactly: head = freq * (head >> precision) + slot - start, with slot the head's low precision bits"),
                 ], run: .bitsBack),
        Exercise(number: 5, title: "Coding a pixel", chapter: 3, files: ["Coding/BernoulliCoding.swift"],
                 task: "BernoulliCoding.push and pop: a 1 occupies [0, f1) and a 0 occupies [f1, 2^precision) of the coder's range",
                 idea: "a binary pixel of probability p costs -log2 p bits: the integer frequency f1 out of 2^precision turns the model's probability into the coder's range",
                 mistakes: [
                    Mistake(name: "ranges swapped", hint: "push and pop must agree: the 1 occupies [0, f1) and the 0 [f1, 2^precision); pop reads which range the head's low bits fall in"),
                    Mistake(name: "wrong frequency for 0", hint: "the 0 has frequency 2^precision - f1: the two ranges together must fill 0..<2^precision"),
                 ], run: .bitsBack),
        Exercise(number: 6, title: "The bits-back step", chapter: 3, files: ["Coding/BitsBack.swift"],
                 task: "BBANSCoder.encodeDigit (pop z with q(z|x), push x with p(x|z), push z with p(z)) and the end of decodeDigit (push z back with q(z|x))",
                 idea: "the encoder draws z by decoding with q(z|x), reading bits already in the message; the receiver, once it knows x, puts them back: the net cost is -log2 p(x|z) - log2 p(z) + log2 q(z|x), the negative ELBO in bits",
                 mistakes: [
                    Mistake(name: "no bits back", hint: "z must be popped from the message with q(z|x) (reading bits the message holds), not drawn elsewhere or pushed: the digits cost log2 1/q(z|x) more than the net length"),
                    Mistake(name: "decoder keeps the borrowed bits", hint: "after popping x, the decoder must push z back with q(z|x): without it the digits before cannot be decoded"),
                 ], run: .bitsBack),
        Exercise(number: 7, title: "The PixelCNN's mask taps, type A and B", chapter: 4, files: ["Layers/MaskedConv.swift"],
                 task: "ConvGeometry.masked: the taps of a k x k masked convolution (rows above the centre, the centre row left of it, and the centre itself for type B)",
                 idea: "the decoder sees only the pixels before i in raster order: the first layer (type A) must not see pixel i itself, later layers (type B) may read their own position",
                 mistakes: [
                    Mistake(name: "type-B mask on the first layer", hint: "type A must leave out the centre tap: the first layer reads x itself, so with the centre (a type-B mask on the first layer) it sees the pixel it predicts"),
                    Mistake(name: "type B without its centre", hint: "type B keeps the centre tap: a later layer's feature at i only summarises pixels before i, so reading it is safe (and needed)"),
                    Mistake(name: "future taps", hint: "a tap below the centre row, or right of the centre in its row, reads a pixel that comes later in raster order"),
                 ], run: .pixelCNN),
        Exercise(number: 8, title: "A stable log-sum-exp", chapter: 5, files: ["Layers/Reductions.swift"],
                 task: "logSumExp (both versions): log sum_i exp x_i, computed after subtracting the largest x_i",
                 idea: "importance weights are around e^-90 (and their sums overflow or underflow): subtracting the max first keeps every exponential in range",
                 mistakes: [
                    Mistake(name: "no max shift", hint: "subtract the largest value before exponentiating and add it back after the log: exp(-1000) underflows to 0 and exp(800) overflows"),
                    Mistake(name: "all minus infinity", hint: "when every value is -infinity the answer is -infinity: m - m is NaN, so return m before shifting"),
                 ], run: .iwae),
        Exercise(number: 9, title: "The log-mean-exp of the IWAE bound", chapter: 5, files: ["Objectives/IWAE.swift"],
                 task: "boundByK and the bound in importanceWeightedNLL: -L_k = -(logsumexp of the k log weights - log k)",
                 idea: "L_k = log (1/k) sum_i p(x, z_i) / q(z_i|x) is a tighter bound on log p(x) as k grows: a log-mean-exp of the log weights, not a mean of them",
                 mistakes: [
                    Mistake(name: "log-sum without log k", hint: "the bound averages the weights: subtract log k from the log-sum-exp (a log-sum grows with k and is no bound)"),
                    Mistake(name: "mean of the log weights", hint: "the mean of the log weights is the ELBO for every k: take the log of the mean of the weights, logsumexp - log k"),
                 ], run: .iwae),
        Exercise(number: 10, title: "MADE's masks", chapter: 6, files: ["Layers/MaskedDense.swift"],
                 task: "MaskedLinear.visibleInputs: how many (sorted) inputs a unit of degree d may see: degree <= d in hidden layers, < d in the output layer (strict)",
                 idea: "with every unit given a degree, connections only from lower (or equal) degrees make output i depend on inputs before i only: one pass gives every conditional of an autoregressive model",
                 mistakes: [
                    Mistake(name: "output layer not strict", hint: "the output layer is strict (degree < d): with <=, output i sees input i, and the flow's Jacobian is no longer triangular"),
                    Mistake(name: "hidden layer strict", hint: "hidden layers use degree <= d: with <, a hidden unit of degree 1 sees no input at all"),
                 ], run: .afPrior),
        Exercise(number: 11, title: "The AF prior's log-density", chapter: 6, files: ["Models/Flows.swift"],
                 task: "AutoregressiveFlowPrior.logDensity and epsilon: undo the steps from u_K = z back to eps, log p(z) = log N(eps; 0, I) - sum of log sigma, per dimension",
                 idea: "an autoregressive flow prior's density takes one parallel MADE pass per step (every u_<i is known), by the change of variables",
                 mistakes: [
                    Mistake(name: "log-determinant added", hint: "change of variables: log p(z) = log N(eps) - sum_k sum_i log sigma_k,i; the log-determinant is subtracted"),
                    Mistake(name: "steps in sampling order", hint: "sampling runs the steps first to last, so the density undoes them last to first: start from step K with u_K = z"),
                 ], run: .afPrior),
    ]

    public static func exercise(_ n: Int) -> Exercise? { all.first { $0.number == n } }
}
