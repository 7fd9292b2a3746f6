// swift run evaluate: score the book's trained models on a test set you bring.
//
//   swift run evaluate --dataset idx:DIR                 (DIR: t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz])
//   swift run evaluate --dataset fashion --models vlae,factorized --iwae-k 500
//
// The models come from the model cache (trained by the chapters on --trained-on, MNIST-5k by
// default, with the same --quick/--epochs/--latent/--seed flags the chapters were run with).
// Writes output/evaluate/<name>/index.html and metrics.json, and prints the table.

import ArgumentParser
import ChapterKit
import Foundation
import Notebook
import VLAE

struct Evaluate: ChapterCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score the book's cached models on the test split of a dataset: −ELBO, bits in z, IWAE NLL, active units; with digit labels, the linear probe and the class agreement of decompressions.")

    @OptionGroup var options: CommonOptions

    @Option(name: .long, help: "Comma list of models: \(BookModel.all.map(\.id).joined(separator: ", ")) (default: all in the cache).")
    var models: String?

    @Option(name: .long, help: "Importance samples per test image for the NLL bound.")
    var iwaeK: Int?

    @Option(name: .long, help: "Test images the NLL bound is computed on (default 50; the whole split: its size).")
    var iwaeImages: Int?

    @Option(name: .long, help: "The data the models were trained on: \(DataSource.flagHelp).")
    var trainedOn: String = "mnist5k"

    @Option(name: .long, help: "Training images the probe and the scoring classifier are fitted on (from the data's train split).")
    var probeTrain: Int = 2000

    @Option(name: .long, help: "Test digits whose decompressions are scored for class agreement, class-balanced (default \(Evaluate.defaultAgreementDigits), \(Evaluate.quickAgreementDigits) with --quick).")
    var agreementDigits: Int?

    /// The default counts: scoring 1,000 decompressions takes a few minutes per model here (measured in docs/paper-protocol.md).
    static let defaultAgreementDigits = 1000
    static let quickAgreementDigits = 100

    @Option(name: .long, help: "Name of the report folder under output/evaluate (default: from --dataset).")
    var name: String?

    @OptionGroup var sharding: ShardOptions

    func validate() throws {
        if let k = iwaeK, k < 1 { throw ValidationError("--iwae-k must be at least 1") }
        if let n = iwaeImages, n < 1 { throw ValidationError("--iwae-images must be at least 1") }
        if let n = agreementDigits, n < 10 { throw ValidationError("--agreement-digits must be at least 10 (one of each class)") }
        guard probeTrain >= 0 else { throw ValidationError("--probe-train must be 0 or more") }
        do { _ = try DataSource.parse(trainedOn) } catch { throw ValidationError("--trained-on: \(error)") }
        for id in requested where BookModel.named(id) == nil {
            throw ValidationError("unknown model \(id); known: \(BookModel.all.map(\.id).joined(separator: ", "))")
        }
        if let name, name.isEmpty || name.contains("/") || name.hasPrefix(".") { throw ValidationError("--name must be a plain folder name") }
    }

    var requested: [String] { models.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? [] }

    /// A folder name for the report from the --dataset flag: "mnist5k", "fashion", "idx-<folder>".
    var reportName: String {
        if let name { return name }
        let flag = options.dataset
        guard let colon = flag.firstIndex(of: ":") else { return flag.lowercased() }
        let kind = flag[..<colon].lowercased()
        let folder = (String(flag[flag.index(after: colon)...]) as NSString).standardizingPath
        let base = (folder as NSString).lastPathComponent
        return kind + "-" + (base.isEmpty || base == "/" ? "data" : base).map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" }
    }

    func run() throws { runChapter { try evaluate() } }

    func evaluate() throws {
        // The data to score (one-line errors: missing files, wrong image size, labels out of range, empty).
        let source: DataSource
        do { source = try DataSource.parse(options.dataset) } catch { fail("\(error)") }
        var data: Dataset
        do { data = try loadEvaluationData(source, flag: options.dataset) } catch { fail("\(error)") }
        // The probe and the classifier are fitted on at most --probe-train training images, evenly
        // spaced over the split (some files are sorted by class).
        if data.train.count > probeTrain {
            let n = data.train.count
            data.train = data.train.subset((0..<probeTrain).map { $0 * n / probeTrain })
        }
        let test0 = data.test

        // The data the models were trained on: only its fingerprint is needed, to find them in the cache.
        var trainOptions = options
        trainOptions.dataset = trainedOn
        let trainData = trainOptions.loadData()
        let cache = options.cache

        let s = ChapterSession(chapter: 8, subtitle: "The book's models, trained on \(trainData.name), scored on \(data.name)", options: options, data: data, announce: false,
                             title: "Scoring the book's models on \(data.name)")
        print("evaluate: \(data.name), \(test0.count) test images\(data.train.count > 0 ? ", \(data.train.count) training images for the probe and the classifier" : ""); models trained on \(trainData.name)")
        let r = s.report
        let out = "\(options.output)/evaluate/\(reportName)"
        r.standalone = Report.Standalone(directory: out, kicker: "Evaluate", indexLink: "../../index.html")

        var found: [(BookModel, TrainedModel)] = []
        for entry in BookModel.all where requested.isEmpty || requested.contains(entry.id) {
            let recipe = entry.recipe(trainOptions)
            if let m = s.cachedModel(recipe, trainedOn: trainData, cache: cache) {
                found.append((entry, m))
                print(String(format: "%@: from the cache, test ELBO on %@ %.2f nats", entry.id, data.name, m.test.elbo))
            } else {
                let line = "model \(entry.id) (\(recipe.name)) trained on \(trainData.name) is not in \(cache.root): run 'swift run chapter\(entry.chapter) --dataset \(trainedOn)\(flagsEcho)' first"
                if !requested.isEmpty { fail(line) }
                FileHandle.standardError.write(Data("skipped: \(line)\n".utf8))
            }
        }
        guard !found.isEmpty else {
            fail("no trained model in \(cache.root) for --trained-on \(trainedOn)\(flagsEcho): run 'swift run chapter5 --dataset \(trainedOn)\(flagsEcho)' (or chapters 1, 4, 6) first")
        }

        let test = s.binary.test
        let k = iwaeK ?? (options.quick ? 20 : 100)
        let images = min(iwaeImages ?? (options.quick ? 20 : 50), test.count)
        let labelled = !data.classNames.isEmpty && data.train.count > 0 && test.labels.allSatisfy { (0..<10).contains($0) }
        let agreementWanted = min(agreementDigits ?? (options.quick ? Evaluate.quickAgreementDigits : Evaluate.defaultAgreementDigits), test.count)
        // The bound in shards (BoundShards.swift): a shard stops here; a merge supplies the bounds below.
        if try sharding.apply(s, models: found.map { ($0.0.id, $0.1) }, k: k, images: images, reportDirectory: out) { return }

        r.prose("""
        The book's models, trained on the training split of **\(trainData.name)** by the chapters, scored on the
        \(test.count) test images of **\(data.name)** (`--dataset \(options.dataset)`), binarized with the same seeded threshold draw the chapters use.
        −ELBO, bits in $z$ and active units on every test image; the importance-weighted NLL bound \(r.cite("burda2016")) with $k$ = \(k) on \(images) of them
        (`--iwae-k`, `--iwae-images`).\(labelled ? " The data has class labels, so the linear probe on $\\mu(x)$ and the class agreement of decompressions are measured too (chapter 5 explains both), fitted on \(data.train.count) training images; the class agreement scores one decompression for each of the first \(agreementWanted / 10) test images of every class (fewer where a class has fewer; `--agreement-digits`), with its standard error." : " The data has no class labels (or no training split), so the probe and the class agreement are not measured.")
        """)

        var rows: [[TableCell]] = []
        var classifierAccuracy: Double?
        var printed: [String] = []
        var bounds: [(entry: BookModel, result: IWAEResult)] = []
        for (entry, m) in found {
            let iw = try s.iwaeNLL(m, k: k, images: images)
            bounds.append((entry, iw))
            var extra: [String: MetricValue] = [
                "nll_iwae_nats": .number(iw.mean), "iwae_k": .number(Double(iw.k)), "iwae_images": .number(Double(iw.nllPerImage.count)),
                "iwae_seconds": .number(iw.seconds), "trained_on": .string(trainData.name), "label": .string(entry.label),
            ]
            var probe = "–", agree = "–"
            if labelled && m.model.config.hasLatent {
                let w = try s.whatZKeeps(m, samples: 2, scored: agreementWanted, balanced: true)
                extra["probe_accuracy"] = .number(w.probeAccuracy)
                extra["class_agreement"] = .number(w.agreementSampled)
                extra["class_agreement_se"] = .number(w.agreementSE)
                extra["class_agreement_digits"] = .number(Double(w.scored))
                extra["classifier_accuracy"] = .number(w.classifierAccuracy)
                classifierAccuracy = w.classifierAccuracy
                probe = fmt(100 * w.probeAccuracy, 1) + "%"
                agree = fmt(100 * w.agreementSampled, 1) + " ± " + fmt(100 * w.agreementSE, 1) + "% (\(w.scored))"
            }
            s.record(m, extra: extra)
            let au = m.model.config.hasLatent ? "\(m.test.activeUnits())/\(m.model.latentDim)" : "–"
            rows.append([.text(entry.label), .num(-m.test.elbo), .num(m.test.klBits, 1), .text(au), .num(iw.mean), .text(probe), .text(agree)])
            printed.append([entry.id.padding(toLength: 16, withPad: " ", startingAt: 0),
                            fmt(-m.test.elbo).leftPad(9), fmt(m.test.klBits, 1).leftPad(8), au.leftPad(7),
                            fmt(iw.mean).leftPad(10), probe.leftPad(8), agree.leftPad(20)].joined(separator: " "))
        }
        r.table(header: ["model", "−ELBO (nats)", "bits in z", "active units", "NLL, IWAE k=\(k)", "linear probe", "class agreement"], rows: rows,
                caption: "Trained on \(trainData.name), scored on \(data.name)'s test split by this run. Active units: latent dimensions above 0.1 nats. Class agreement: one decompression for each scored test image (their number in brackets, the same count of every class), labelled by a classifier fitted on \(data.name)'s training images; ± one standard error of the proportion.")
        if let best = bounds.min(by: { $0.result.mean < $1.result.mean }) {
            let seconds = bounds.map(\.result.seconds).reduce(0, +)
            r.prose((found.count > 1 ? "The lowest NLL bound on this data is the **\(best.entry.label)**'s, \(fmt(best.result.mean)) nats per image. " : "")
                    + "The bounds took \(formatDuration(seconds)) in all (in this run, or when first computed: they are kept beside the model cache)."
                    + (classifierAccuracy.map { " The classifier that scores the decompressions labels \(fmt(100 * $0, 1))% of the real (binarized) test images correctly: class agreement can be no more trustworthy than that." } ?? ""))
        }
        r.prose("The models are the paper's \(r.cite("chen2017")), as chapters 1-6 train them; chapter 8 sets their bounds beside its table.")
        r.references()
        let path = try r.write()

        print("\n" + ["model".padding(toLength: 16, withPad: " ", startingAt: 0), "-ELBO".leftPad(9), "bits z".leftPad(8), "AU".leftPad(7),
                      "IWAE k=\(k)".leftPad(10), "probe".leftPad(8), "agree ± se (digits)".leftPad(20)].joined(separator: " "))
        printed.forEach { print($0) }
        print("report written to \(path)")
    }

    /// The training flags to repeat in a hint (those that change which models the chapters cache).
    var flagsEcho: String {
        var f = ""
        if options.quick { f += " --quick" }
        if options.full { f += " --full" }
        if let e = options.epochs { f += " --epochs \(e)" }
        if options.latentDim != 32 { f += " --latent \(options.latentDim)" }
        if options.seed != 1 { f += " --seed \(options.seed)" }
        if options.output != "output" { f += " --output \(options.output)" }
        return f
    }
}

private extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}

Evaluate.main()
