// The encoder q(z|x) = N(mu(x), diag(exp(logvar(x)))).
//
//   x [N,28,28,1] -> conv3x3 (1->32) ELU -> conv3x3 stride 2 (32->32) ELU   [N,14,14,32]
//                 -> conv3x3 stride 2 (32->64) ELU                          [N,7,7,64]
//                 -> flatten -> linear -> (mu, logvar), D each

public final class Encoder: HasParameters {
    public let c1: Conv, c2: Conv, c3: Conv, fc: Linear
    public let latentDim: Int

    public init(channels: [Int], latentDim: Int, rng: inout RNG) {
        precondition(channels.count == 3)
        self.latentDim = latentDim
        c1 = Conv(1, channels[0], ConvGeometry(kernel: 3, stride: 1, pad: 1), rng: &rng)
        c2 = Conv(channels[0], channels[1], ConvGeometry(kernel: 3, stride: 2, pad: 1), rng: &rng)
        c3 = Conv(channels[1], channels[2], ConvGeometry(kernel: 3, stride: 2, pad: 1), rng: &rng)
        fc = Linear(7 * 7 * channels[2], 2 * latentDim, rng: &rng)
    }

    /// (mu, logvar), each [N, D].
    public func callAsFunction(_ t: Tape, _ x: Tensor) -> (mu: Tensor, logvar: Tensor) {
        var h = t.elu(c1(t, x))
        h = t.elu(c2(t, h))
        h = t.elu(c3(t, h))
        let flat = t.reshape(h, [x.shape[0], h.count / x.shape[0]])
        let stats = fc(t, flat)
        return (t.sliceColumns(stats, 0, latentDim), t.sliceColumns(stats, latentDim, latentDim))
    }

    public func namedParameters() -> [(String, Tensor)] {
        prefixed("c1", c1.namedParameters()) + prefixed("c2", c2.namedParameters())
            + prefixed("c3", c3.namedParameters()) + prefixed("fc", fc.namedParameters())
    }
}

/// The conditioning network h(z): from the latent code to a 28x28 feature map for the decoder.
///
///   z [N,D] -> linear -> ELU -> [N,7,7,64] -> upsample x2 -> conv3x3 (64->32) ELU  [N,14,14,32]
///           -> upsample x2 -> conv3x3 (32->32) ELU                                 [N,28,28,32]
public final class ConditioningNet: HasParameters {
    public let fc: Linear, c1: Conv, c2: Conv
    public let channels: [Int]

    public init(latentDim: Int, channels: [Int], rng: inout RNG) {
        precondition(channels.count == 3)
        self.channels = channels
        fc = Linear(latentDim, 7 * 7 * channels[0], rng: &rng)
        c1 = Conv(channels[0], channels[1], ConvGeometry(kernel: 3, stride: 1, pad: 1), rng: &rng)
        c2 = Conv(channels[1], channels[2], ConvGeometry(kernel: 3, stride: 1, pad: 1), rng: &rng)
    }

    public var outChannels: Int { channels[2] }

    public func callAsFunction(_ t: Tape, _ z: Tensor) -> Tensor {
        let n = z.shape[0]
        var h = t.reshape(t.elu(fc(t, z)), [n, 7, 7, channels[0]])
        h = t.elu(upsampleConv(t, c1, h))
        h = t.elu(upsampleConv(t, c2, h))
        return h
    }

    /// conv3x3(upsample x2 (x)): one stage of the net, as one fused op (UpsampleConv.swift: the
    /// same function as the two plain ops, 2.25x fewer FLOPs; the tests check them equal).
    public func upsampleConv(_ t: Tape, _ conv: Conv, _ x: Tensor) -> Tensor {
        t.upsample2Conv3x3(x, conv.w, conv.b)
    }

    public func namedParameters() -> [(String, Tensor)] {
        prefixed("fc", fc.namedParameters()) + prefixed("c1", c1.namedParameters()) + prefixed("c2", c2.namedParameters())
    }
}
