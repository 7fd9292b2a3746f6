// The exercises: a stub for every marker, every check passing on the module's own code, and
// every common mistake of the catalogue, planted here, failing with the hint that names it.
// This folder is instructor-only: the student copy leaves it out (it holds near-solutions).

import Foundation
import Testing
import Exercises
import Notebook
import VLAE

@Suite struct StudentCopyTests {
    @Test func everyExerciseHasRegionsAndEveryRegionAStub() throws {
        let regions = try StudentCopy.allRegions(repo: packageRoot)
        #expect(Catalog.all.count >= 10)
        #expect(Set(Catalog.all.map(\.chapter)).isSuperset(of: [1, 2, 3, 4, 5, 6]))
        for e in Catalog.all {
            let mine = regions.filter { $0.number == e.number }
            #expect(!mine.isEmpty, "exercise \(e.number) has no region")
            #expect(Set(mine.map(\.file)) == Set(e.files), "exercise \(e.number): regions in \(Set(mine.map(\.file))), catalogue says \(e.files)")
        }
        for file in Set(regions.map(\.file)) {
            let source = try String(contentsOfFile: packageRoot + "/Sources/VLAE/" + file, encoding: .utf8)
            let stubbed = try StudentCopy.stubbed(source, file: file)
            let here = regions.filter { $0.file == file }
            #expect(!stubbed.contains(StudentCopy.open) && !stubbed.contains(StudentCopy.close))
            for r in here {
                #expect(stubbed.contains("fatalError(\"\(Catalog.exercise(r.number)!.stubMessage)\")"))
            }
            #expect(stubbed.components(separatedBy: "fatalError(\"exercise ").count - 1 == here.count)
        }
    }

    /// The cells the chapters show (`// @cell` ... `// @end`) read as they did before the exercise
    /// markers were added: the same lines, none of them a marker.
    @Test func cellsAreUnchangedByTheMarkers() throws {
        for file in Set(try StudentCopy.allRegions(repo: packageRoot).map(\.file)) {
            let source = try String(contentsOfFile: packageRoot + "/Sources/VLAE/" + file, encoding: .utf8)
            let unmarked = source.components(separatedBy: "\n").filter {
                let t = $0.trimmingCharacters(in: .whitespaces)
                return !(t.hasPrefix(StudentCopy.open) || t == StudentCopy.close)
            }.joined(separator: "\n")
            let names = source.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { $0.hasPrefix("// @cell ") }.map { String($0.dropFirst(9)) }
            for name in names {
                let cell = CodeCell.extract(name, from: source)
                #expect(cell != nil && cell == CodeCell.extract(name, from: unmarked), "cell \(name) of \(file)")
                #expect(cell?.contains("@exercise") == false, "cell \(name) of \(file) shows a marker")
            }
        }
    }

    @Test func markersAreBalancedAndNamed() {
        #expect(throws: ExerciseError.self) { try StudentCopy.regions(in: "// @exercise 1\nlet a = 1\n", file: "x") }
        #expect(throws: ExerciseError.self) { try StudentCopy.regions(in: "// @exercise 99\n// @exercise-end\n", file: "x") }
        #expect(throws: ExerciseError.self) { try StudentCopy.regions(in: "// @exercise-end\n", file: "x") }
    }

    @Test func theCopyHoldsNoSolutionAndNoInstructorFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vlae-student-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try StudentCopy.write(repo: packageRoot, to: dir)
        #expect(s.stubs.count == (try StudentCopy.allRegions(repo: packageRoot)).count)
        #expect(StudentCopy.leaks(of: s.stubs, in: dir).isEmpty, "\(StudentCopy.leaks(of: s.stubs, in: dir))")
        // the checker sees every exercise as not done in the copy, none in the repository
        #expect(StudentCopy.remainingStubs(repo: dir) == Set(Catalog.all.map(\.number)))
        #expect(StudentCopy.remainingStubs(repo: packageRoot).isEmpty)
        // the scan does find a solution line where one is left
        let leaked = StudentCopy.telling(s.stubs[0])[0]
        try Data(("// " + leaked + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/leak.swift"))
        #expect(!StudentCopy.leaks(of: s.stubs, in: dir).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir + "/Tests/ExercisesTests"))
        let package = try String(contentsOfFile: dir + "/Package.swift", encoding: .utf8)
        #expect(!package.contains("ExercisesTests") && package.contains("\"check\""))
        // a second copy into the same (now full) folder is refused
        #expect(throws: ExerciseError.self) { try StudentCopy.write(repo: packageRoot, to: dir) }
    }

    @Test func stubMessagesAreReadFromAFatalError() {
        let err = "Swift/ErrorTypes.swift:1: Fatal error: exercise 4: ANSMessage.push and pop\nCurrent stack trace:"
        #expect(Harness.stubMessage(in: err)?.0 == 4)
        #expect(Harness.stubMessage(in: err)?.1 == "exercise 4: ANSMessage.push and pop")
        #expect(Harness.stubMessage(in: "Fatal error: index out of range") == nil)
    }
}

/// The report failed, and one of its hints is the catalogue's hint for `mistake`.
func expectHint(_ r: CheckReport, _ exercise: Int, _ mistake: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let hint = Catalog.exercise(exercise)!.hint(mistake)
    #expect(!r.passed, "planted \"\(mistake)\" passed the checks", sourceLocation: sourceLocation)
    #expect(r.hints.contains(hint), "planted \"\(mistake)\": hints were \(r.hints)", sourceLocation: sourceLocation)
}

/// An op with given forward values and a hand-written (planted) backward step.
func plantedOp(_ t: Tape, _ inputs: [Tensor], _ values: [Float], shape: [Int], backward: @escaping (UnsafeMutablePointer<Float>) -> Void) -> Tensor {
    let out = Tensor(values, shape: shape)
    if t.needsGrad(inputs) { t.record(out) { backward(out.grad!) } }
    return out
}

@Suite struct PlantedMistakeTests {
    @Test func everyCheckPassesOnTheModule() {
        for e in Catalog.all {
            let r = Checks.run(e.number)
            #expect(r.passed, "exercise \(e.number): \(r.findings.filter { !$0.passed }.map { "\($0.check): \($0.detail)" })")
        }
    }

    @Test func everyMistakeIsPlanted() {
        // the planted mistakes below cover the catalogue, name for name
        let planted: Set<String> = ["1 variance for deviation", "1 gradient without its 1/2", "1 no gradient to mu",
            "2 KL without its 1/2", "2 sign of log sigma^2", "2 gradient without its 1/2",
            "3 floor per example", "3 gradient below the floor", "3 gradient not divided by N",
            "4 no renormalisation", "4 no refill", "4 pop not the inverse of push",
            "5 ranges swapped", "5 wrong frequency for 0", "6 no bits back", "6 decoder keeps the borrowed bits",
            "7 type-B mask on the first layer", "7 type B without its centre", "7 future taps",
            "8 no max shift", "8 all minus infinity", "9 log-sum without log k", "9 mean of the log weights",
            "10 output layer not strict", "10 hidden layer strict", "11 log-determinant added", "11 steps in sampling order"]
        #expect(planted == Set(Catalog.all.flatMap { e in e.mistakes.map { "\(e.number) \($0.name)" } }))
    }

    @Test func reparameterisation() {
        expectHint(Checks.reparameterize { t, mu, lv, eps in t.reparameterize(mu: mu, logvar: t.scale(lv, 2), eps: eps) }, 1, "variance for deviation")
        func planted(halfMissing: Bool, muGrad: Bool) -> (Tape, Tensor, Tensor, Tensor) -> Tensor {
            return { t, mu, lv, eps in
                let z = Tape(recording: false).reparameterize(mu: mu, logvar: lv, eps: eps)
                return plantedOp(t, [mu, lv], z.values, shape: z.shape) { go in
                    for i in 0..<mu.count {
                        if muGrad { mu.gradBuffer()[i] += go[i] }
                        lv.gradBuffer()[i] += go[i] * eps.data[i] * Foundation.exp(0.5 * lv.data[i]) * (halfMissing ? 1 : 0.5)
                    }
                }
            }
        }
        expectHint(Checks.reparameterize(planted(halfMissing: true, muGrad: true)), 1, "gradient without its 1/2")
        expectHint(Checks.reparameterize(planted(halfMissing: false, muGrad: false)), 1, "no gradient to mu")
    }

    @Test func gaussianKL() {
        expectHint(Checks.gaussianKL { t, mu, lv in t.scale(t.gaussianKL(mu: mu, logvar: lv), 2) }, 2, "KL without its 1/2")
        expectHint(Checks.gaussianKL { t, mu, lv in t.add(t.gaussianKL(mu: mu, logvar: lv), lv) }, 2, "sign of log sigma^2")
        expectHint(Checks.gaussianKL { t, mu, lv in
            let kl = Tape(recording: false).gaussianKL(mu: mu, logvar: lv)
            return plantedOp(t, [mu, lv], kl.values, shape: kl.shape) { go in
                for i in 0..<mu.count {
                    mu.gradBuffer()[i] += go[i] * mu.data[i]
                    lv.gradBuffer()[i] += go[i] * (Foundation.exp(lv.data[i]) - 1)
                }
            }
        }, 2, "gradient without its 1/2")
    }

    @Test func freeBits() {
        /// Planted free bits: `perExample` floors each example; `gradBelow` lets gradient through below the floor; `perN` scales it.
        func planted(perExample: Bool = false, gradBelow: Bool = false, perN: Bool = true) -> (Tape, Tensor, Float) -> Tensor {
            return { t, kl, lambda in
                let n = kl.shape[0], d = kl.count / n
                var means = [Float](repeating: 0, count: d), floored = [Float](repeating: 0, count: d)
                for b in 0..<n { for j in 0..<d { means[j] += kl.data[b * d + j] / Float(n); floored[j] += max(lambda, kl.data[b * d + j]) / Float(n) } }
                let value = perExample ? floored.reduce(0, +) : means.reduce(0) { $0 + max(lambda, $1) }
                return plantedOp(t, [kl], [value], shape: [1]) { go in
                    for j in 0..<d where gradBelow || means[j] > lambda {
                        for b in 0..<n { kl.gradBuffer()[b * d + j] += go[0] / (perN ? Float(n) : 1) }
                    }
                }
            }
        }
        expectHint(Checks.freeBits(planted(perExample: true)), 3, "floor per example")
        expectHint(Checks.freeBits(planted(gradBelow: true)), 3, "gradient below the floor")
        expectHint(Checks.freeBits(planted(perN: false)), 3, "gradient not divided by N")
    }

    @Test func rans() {
        let push: (inout ANSMessage, UInt32, UInt32, Int) -> Void = { $0.push(start: $1, freq: $2, precision: $3) }
        let noRenormPush: (inout ANSMessage, UInt32, UInt32, Int) -> Void = { m, start, freq, p in
            m.head = ((m.head / UInt64(freq)) << UInt64(p)) &+ (m.head % UInt64(freq)) &+ UInt64(start)
        }
        func pop(refill: Bool, subtractStart: Bool) -> (inout ANSMessage, UInt32, UInt32, Int) throws -> Void {
            return { m, start, freq, p in
                let slot = UInt64(m.peek(precision: p))
                m.head = UInt64(freq) &* (m.head >> UInt64(p)) &+ slot &- (subtractStart ? UInt64(start) : 0)
                if refill && m.head < ANSMessage.lowerBound {
                    guard let w = m.tail.popLast() else { throw CodingError.exhausted }
                    m.head = (m.head << 32) | UInt64(w)
                }
            }
        }
        expectHint(Checks.rans(push: noRenormPush, pop: pop(refill: false, subtractStart: true)), 4, "no renormalisation")
        expectHint(Checks.rans(push: push, pop: pop(refill: false, subtractStart: true)), 4, "no refill")
        expectHint(Checks.rans(push: push, pop: pop(refill: true, subtractStart: false)), 4, "pop not the inverse of push")
    }

    @Test func bernoulliCoding() {
        let pop: (UInt32, inout ANSMessage, Int) throws -> Bool = { try BernoulliCoding.pop(frequencyOfOne: $0, from: &$1, precision: $2) }
        expectHint(Checks.bernoulli(push: { bit, f1, m, p in
            if bit { m.push(start: f1, freq: (1 << UInt32(p)) - f1, precision: p) } else { m.push(start: 0, freq: f1, precision: p) }
        }, pop: pop), 5, "ranges swapped")
        expectHint(Checks.bernoulli(push: { bit, f1, m, p in
            if bit { m.push(start: 0, freq: f1, precision: p) } else { m.push(start: f1, freq: (1 << UInt32(p)) - f1 - 1, precision: p) }
        }, pop: pop), 5, "wrong frequency for 0")
    }

    /// A bits-back coder written here from the module's public pieces, with a planted mistake:
    /// `popZ` false draws z as the bucket of mu instead of popping it with q (no bits back).
    struct PlantedCoder {
        let model: VAE
        let buckets = LatentBuckets(bits: Checks.bitsBackSettings.latentBits, precision: Checks.bitsBackSettings.latentPrecision)
        let p = Checks.bitsBackSettings.pixelPrecision

        func posterior(_ x: [Float]) -> [PosteriorCDF] {
            let (mu, lv) = model.encode(Tape(recording: false), Tensor(x, shape: [1, 28, 28, 1]))
            return (0..<model.latentDim).map { PosteriorCDF(mu: Double(mu.data[$0]), sigma: Foundation.exp(0.5 * Double(lv.data[$0])), buckets: buckets) }
        }
        func logits(_ ks: [Int]) -> [Float] {
            let t = Tape(recording: false)
            let h = model.conditioning!(t, Tensor(ks.map { buckets.centres[$0] }, shape: [1, ks.count]))
            return model.decoder.logits(t, x: Tensor(zeros: [1, 28, 28, 1]), h: h).values
        }
        func encode(_ images: [[Float]], popZ: Bool) throws -> Checks.CodedDigits {
            var m = ANSMessage(randomWords: 64, seed: 3)
            let clean = m.bits
            var net = 0.0, back = 0.0
            for x in images {
                let q = posterior(x)
                var ks: [Int] = []
                for j in 0..<q.count {
                    let k = popZ ? try q[j].pop(from: &m) : buckets.bucket(of: q[j].mu)
                    ks.append(k)
                    back += Double(q[j].precision) - log2(Double(q[j].frequency(k)))
                }
                let l = logits(ks)
                for i in (0..<784).reversed() {
                    let f1 = try BernoulliCoding.frequencyOfOne(logit: l[i], precision: p)
                    BernoulliCoding.push(x[i] > 0.5, frequencyOfOne: f1, into: &m, precision: p)
                    net += BernoulliCoding.codeLength(x[i] > 0.5, frequencyOfOne: f1, precision: p)
                }
                for k in ks.reversed() { buckets.pushPrior(k, into: &m) }
                net += Double(ks.count * buckets.bits)
            }
            let n = Double(images.count)
            return Checks.CodedDigits(bytes: m.serialized(header: [UInt64(images.count), 0]), bitsPerDigit: (m.bits - clean) / n,
                                      netBits: (net - back) / n, bitsBack: back / n)
        }
        /// Decode every digit, without pushing z back with q (the planted mistake when `pushBack` is false).
        func decode(_ bytes: [UInt8], pushBack: Bool) throws -> [[Float]] {
            var (m, header) = try ANSMessage.deserialize(bytes)
            var out: [[Float]] = []
            for _ in 0..<Int(header[0]) {
                var ks: [Int] = []
                for _ in 0..<model.latentDim { ks.append(try buckets.popPrior(from: &m)) }
                let l = logits(ks)
                var x = [Float](repeating: 0, count: 784)
                for i in 0..<784 { x[i] = try BernoulliCoding.pop(frequencyOfOne: try BernoulliCoding.frequencyOfOne(logit: l[i], precision: p), from: &m, precision: p) ? 1 : 0 }
                if pushBack { let q = posterior(x); for j in (0..<ks.count).reversed() { q[j].push(ks[j], into: &m) } }
                out.append(x)
            }
            return out.reversed()
        }
    }

    @Test func bitsBack() {
        let (model, images) = Checks.bitsBackFixture()
        let planted = PlantedCoder(model: model)
        // the coder written here is right when nothing is planted (so the checks below test the mistakes alone)
        #expect(Checks.bitsBack(images: images, encode: { try planted.encode($0, popZ: true) }, decode: { try planted.decode($0, pushBack: true) }).passed)
        expectHint(Checks.bitsBack(images: images, encode: { try planted.encode($0, popZ: false) }, decode: { try planted.decode($0, pushBack: true) }),
                   6, "no bits back")
        expectHint(Checks.bitsBack(images: images, encode: { try planted.encode($0, popZ: true) }, decode: { try planted.decode($0, pushBack: false) }),
                   6, "decoder keeps the borrowed bits")
    }

    @Test func maskedTaps() {
        expectHint(Checks.maskedTaps { _, k in .masked(.b, kernel: k) }, 7, "type-B mask on the first layer")
        expectHint(Checks.maskedTaps { _, k in .masked(.a, kernel: k) }, 7, "type B without its centre")
        expectHint(Checks.maskedTaps { _, k in ConvGeometry(kernel: k, pad: k / 2) }, 7, "future taps")
    }

    @Test func logSumExp() {
        func naive(_ xs: [Double]) -> Double { Foundation.log(xs.reduce(0) { $0 + Foundation.exp($1) }) }
        func unguarded(_ xs: [Double]) -> Double { let m = xs.max()!; return m + Foundation.log(xs.reduce(0) { $0 + Foundation.exp($1 - m) }) }
        expectHint(Checks.logSumExp(double: naive, float: { Float(naive($0.map(Double.init))) }), 8, "no max shift")
        expectHint(Checks.logSumExp(double: unguarded, float: { Float(unguarded($0.map(Double.init))) }), 8, "all minus infinity")
    }

    @Test func iwaeBound() {
        func groups(_ w: [Double], _ k: Int, _ f: ([Double]) -> Double) -> Double {
            let g = w.count / k
            return (0..<g).reduce(0) { $0 + f(Array(w[($1 * k)..<(($1 + 1) * k)])) } / Double(g)
        }
        expectHint(Checks.iwaeBound { w, ks in ks.map { groups(w, $0) { -VLAE.logSumExp($0) } } }, 9, "log-sum without log k")
        expectHint(Checks.iwaeBound { w, ks in ks.map { groups(w, $0) { g in -g.reduce(0, +) / Double(g.count) } } }, 9, "mean of the log weights")
    }

    @Test func madeMasks() {
        expectHint(Checks.madeMasks { deg, d, _ in deg.filter { $0 <= d }.count }, 10, "output layer not strict")
        expectHint(Checks.madeMasks { deg, d, _ in deg.filter { $0 < d }.count }, 10, "hidden layer strict")
    }

    @Test func afDensity() {
        /// The density with a planted mistake: the log-determinant added, or the steps undone first to last.
        func planted(addLogDet: Bool, forward: Bool) -> (AutoregressiveFlowPrior, Tape, Tensor) -> Tensor {
            return { prior, t, z in
                var u = z
                var sum: Tensor? = nil
                let order = forward ? Array(prior.flow.made.indices) : prior.flow.made.indices.reversed()
                for k in order {
                    let (mu, ls) = prior.flow.parameters(t, step: k, u)
                    u = t.standardize(u, shift: mu, logScale: ls)
                    sum = sum.map { t.add($0, ls) } ?? ls
                }
                let n = t.standardNormalLogDensity(u)
                return addLogDet ? t.add(n, sum!) : t.sub(n, sum!)
            }
        }
        func eps(forward: Bool) -> (AutoregressiveFlowPrior, Tensor) -> Tensor {
            return { prior, z in
                let t = Tape(recording: false)
                var u = z
                for k in (forward ? Array(prior.flow.made.indices) : prior.flow.made.indices.reversed()) {
                    let (mu, ls) = prior.flow.parameters(t, step: k, u)
                    u = t.standardize(u, shift: mu, logScale: ls)
                }
                return u
            }
        }
        #expect(Checks.afDensity(logDensity: planted(addLogDet: false, forward: false), epsilon: eps(forward: false)).passed)
        expectHint(Checks.afDensity(logDensity: planted(addLogDet: true, forward: false), epsilon: eps(forward: false)), 11, "log-determinant added")
        expectHint(Checks.afDensity(logDensity: planted(addLogDet: false, forward: true), epsilon: eps(forward: true)), 11, "steps in sampling order")
    }
}
