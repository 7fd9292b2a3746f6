// Reverse-mode automatic differentiation with a tape.
//
// Every op that runs forward on a recording tape appends one closure: its backward step. The
// closure reads the gradient of the op's output (`out.grad`) and adds the op's contribution to
// the gradients of its inputs. `backward(from: loss)` seeds d loss / d loss = 1 and runs the
// closures in reverse order: the chain rule, one op at a time.
//
// Gradients accumulate (+=), so a tensor used twice receives both contributions. Parameters keep
// their gradients across the tape's life; the optimiser zeroes them after each step. The tape
// owns every intermediate tensor it recorded; `reset()` releases them.
//
// A tape with `recording = false` runs the same forward code without keeping anything: that is
// how evaluation and sampling run.

public final class Tape {
    public var recording: Bool
    /// Each recorded op's output and its backward step.
    private var backwardSteps: [(out: Tensor, step: () -> Void)] = []

    public init(recording: Bool = true) { self.recording = recording }

    /// Whether an op with these inputs needs to record its backward step.
    @inline(__always)
    public func needsGrad(_ inputs: Tensor...) -> Bool {
        recording && inputs.contains { $0.requiresGrad }
    }

    @inline(__always)
    public func needsGrad(_ inputs: [Tensor]) -> Bool {
        recording && inputs.contains { $0.requiresGrad }
    }

    /// Record `step` as the backward of an op whose output is `out`.
    @inline(__always)
    public func record(_ out: Tensor, _ step: @escaping () -> Void) {
        out.requiresGrad = true
        backwardSteps.append((out, step))
    }

    /// Run every recorded backward step, from the last op to the first.
    /// `loss` must be a scalar; its gradient is seeded with `seed` (1 by default).
    /// An op whose output received no gradient (it does not reach the loss) is skipped: its
    /// contribution is zero, and its backward step would read a gradient that does not exist.
    public func backward(from loss: Tensor, seed: Float = 1) {
        precondition(loss.count == 1, "backward(from:) needs a scalar loss, got shape \(loss.shape)")
        loss.gradBuffer()[0] = seed
        for (out, step) in backwardSteps.reversed() where out.grad != nil { step() }
    }

    /// Forget the recorded steps (and with them every intermediate tensor).
    public func reset() { backwardSteps.removeAll(keepingCapacity: true) }

    public var recordedSteps: Int { backwardSteps.count }
}
