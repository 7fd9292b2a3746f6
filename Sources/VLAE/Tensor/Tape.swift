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
    private var backwardSteps: [() -> Void] = []

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
        backwardSteps.append(step)
    }

    /// Run every recorded backward step, from the last op to the first.
    /// `loss` must be a scalar; its gradient is seeded with `seed` (1 by default).
    public func backward(from loss: Tensor, seed: Float = 1) {
        precondition(loss.count == 1, "backward(from:) needs a scalar loss, got shape \(loss.shape)")
        loss.gradBuffer()[0] = seed
        for step in backwardSteps.reversed() { step() }
    }

    /// Forget the recorded steps (and with them every intermediate tensor).
    public func reset() { backwardSteps.removeAll(keepingCapacity: true) }

    public var recordedSteps: Int { backwardSteps.count }
}
