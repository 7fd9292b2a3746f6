// Chapter 8 --paper: the paper's MNIST protocol, row by row (Sources/ChapterKit/PaperProtocol.swift),
// and the page that shows its rows: this run's, an earlier run's of the same command, or the
// committed records (marked recorded), each with the command that measures it again.

import ChapterKit
import Foundation
import Notebook
import VLAE

/// The paper's numbers this protocol sets its rows beside (Chen et al. 2017, table 1 and §5.1's ablation).
enum PaperNumbers {
    static let staticVLAE = 79.03, dynamicVLAE = 78.53
    /// The ablation (dynamic binarization): PixelCNN alone, + z with N(0, I) prior, + AF prior.
    static let ablation: [String: Double] = ["pixelcnn-alone": 87.55, "vlae": 79.48, "vlae-af": 78.94]
    /// The AF prior beats the IAF posterior of the same cost by about this much (nats).
    static let afOverIAF = 0.6
}

extension Chapter8 {
    func paperProtocol() throws {
        // --quick: the first 1,000 validation and test digits only (every epoch scores the validation
        // split, every model the test split), under a fingerprint of their own.
        var data = options.loadData()
        if options.quick {
            let n = 1000
            data = Dataset(name: data.name, train: data.train, validation: data.validation.subset(Array(0..<min(n, data.validation.count))),
                           test: data.test.subset(Array(0..<min(n, data.test.count))), fingerprint: data.fingerprint + "-first\(n)",
                           classNames: data.classNames, isBinary: data.isBinary)
        }
        let s = ChapterSession(chapter: 8, subtitle: "The paper's MNIST protocol: its models on its data, row by row", options: options, data: data)
        let r = s.report
        let settings = paper.settings(options)
        let binarization = options.dynamic ? "dynamic" : "static"
        let folder = PaperProtocol.folder(options, settings)
        let ids = paper.rowIDs
        if s.data.name != "mnist" {
            FileHandle.standardError.write(Data("note: the paper's protocol is defined on --dataset mnist; this run uses \(s.data.name)\n".utf8))
        }

        // Measure the rows asked for, each written as soon as it is done. Without --paper-row, a row
        // already in the folder (measured with these settings, data and code version) is kept, not
        // measured again: the protocol resumes row by row. --paper-row or --retrain measure it again.
        var measured: [String: PaperRow] = [:]
        for id in ids {
            if paper.rows == nil && !options.retrain,
               let done = PaperProtocol.read(PaperProtocol.file(folder, id: id, binarization: binarization)),
               done.fingerprint == s.data.fingerprint, done.codeVersion == CodeVersion.current, done.maxEpochs == settings.maxEpochs,
               done.iwaeK == settings.k || id == "pixelcnn-alone", done.iwaeImages == min(settings.kImages, s.data.test.count) {
                print("\(id): already measured (\(PaperProtocol.file(folder, id: id, binarization: binarization))); '\(done.command)' measures it again")
                continue
            }
            let row = try s.measurePaperRow(BookModel.named(id)!, settings: settings, folder: folder)
            measured[id] = row
            print(String(format: "%@: -ELBO %.2f ± %.2f (%d digits), IWAE k=%d %.2f ± %.2f (%d digits); written to %@", id, row.negElbo, row.negElboSe,
                         row.elboImages, row.iwaeK, row.nllIwaeNats, row.nllIwaeSe, row.iwaeImages, folder))
        }
        // Every row: this run's, else an earlier run's of these settings, else the committed record.
        enum Source { case thisRun, earlier, recorded }
        var shown: [(row: PaperRow, source: Source)] = []
        for id in PaperProtocol.rowIDs {
            if let row = measured[id] { shown.append((row, .thisRun)); continue }
            if let row = PaperProtocol.read(PaperProtocol.file(folder, id: id, binarization: binarization)), row.dataset == s.data.name {
                shown.append((row, folder == PaperProtocol.recordsFolder ? .recorded : .earlier)); continue
            }
            if let row = PaperProtocol.read(PaperProtocol.file(PaperProtocol.recordsFolder, id: id, binarization: binarization)) {
                shown.append((row, .recorded))
            }
        }

        let protocolText = "at most \(PaperSettings.protocolDefault.maxEpochs) epochs on the 50,000 training digits, the run length chosen on the 10,000 validation digits; −ELBO on all 10,000 test digits; the importance-weighted bound at k = \(PaperSettings.protocolDefault.k) on \(PaperSettings.protocolDefault.kImages) class-balanced test digits and at k = \(PaperSettings.protocolDefault.smallK) on all of them"
        r.prose("""
        The paper's MNIST table and ablation, measured the way the paper measures them \(r.cite("chen2017")): the models trained on
        the 50,000 training digits of the standard split (`--dataset mnist`), each model's run length chosen on the validation digits
        (training stops at the first epoch whose validation −ELBO is no better than the one before, and keeps that earlier epoch),
        and each model's test bounds computed once. The protocol: \(protocolText) \(r.cite("burda2016")). Each row is one
        command and one file (`records/chapter8-paper/`), written as soon as it is done, so the protocol resumes row by row and
        splits into independent jobs. This run measured \(measured.isEmpty ? "no row" : measured.keys.sorted().joined(separator: ", "))
        with \(settings == .protocolDefault && options.maxTrainImages == 0 ? "the protocol's settings" : "**other settings than the protocol's** (at most \(settings.maxEpochs) epochs on \(options.maxTrainImages > 0 ? "\(options.maxTrainImages) training digits" : "all training digits"); \(s.data.validation.count) validation and \(s.data.test.count) test digits; k = \(settings.k) on \(settings.kImages) digits, k = \(settings.smallK) on \(settings.smallKImages)): its rows prove the path, they are not the protocol's numbers and are kept in \(folder), not in records/").
        The models are the book's recipes of chapter 6 (`Sources/ChapterKit/BookModels.swift`), not yet the paper's appendix architecture.
        """)

        func pm(_ v: Double, _ se: Double, _ n: Int) -> TableCell { .text("\(fmt(v)) ± \(fmt(se)) (\(n))") }
        func sourceText(_ x: Source) -> String {
            switch x { case .thisRun: return "this run"; case .earlier: return "an earlier run (\(folder))"; case .recorded: return "*recorded*" }
        }
        let paperVLAE = options.dynamic ? PaperNumbers.dynamicVLAE : PaperNumbers.staticVLAE
        r.table(header: ["model", "paper's NLL", "−ELBO ± se (digits)", "NLL, IWAE ± se (digits)", "k", "NLL, small k ± se (digits)", "small k",
                         "epochs (cap)", "training", "bounds", "source", "command that measures it again"],
                rows: shown.map { x in
                    let row = x.row
                    let exact = row.id == "pixelcnn-alone"   // no z: the likelihood itself, at any k
                    let paper: TableCell = row.id == "vlae-af" ? .num(paperVLAE) : (PaperNumbers.ablation[row.id].map { .text(fmt($0) + " (ablation, dynamic)") } ?? "–")
                    return [.text(row.label), paper, pm(row.negElbo, row.negElboSe, row.elboImages), pm(row.nllIwaeNats, row.nllIwaeSe, row.iwaeImages),
                            exact ? "exact" : .number(Double(row.iwaeK), digits: 0), pm(row.nllSmallKNats, row.nllSmallKSe, row.smallKImages),
                            exact ? "exact" : .number(Double(row.smallK), digits: 0),
                            .text("\(row.epochs) (\(row.maxEpochs))"), .text(formatDuration(row.trainSeconds)), .text(formatDuration(row.boundSeconds)),
                            .text(sourceText(x.source) + ", \(row.date.prefix(10)), \(row.commit)"), .text("`\(row.command)`")]
                },
                caption: "\(s.data.name), \(binarization) binarization. The PixelCNN alone has no z: its bound is its exact likelihood. ± one standard error of the mean over the digits in brackets. Recorded rows are the numbers the run that measured them wrote (records/chapter8-paper/, with the commit and code version of that run); re-running a row's command measures it again.")

        // The ablation's direction and the distance to the paper, from the rows shown.
        func row(_ id: String) -> PaperRow? { shown.first { $0.row.id == id }?.row }
        func compare(_ a: PaperRow, _ b: PaperRow) -> String {
            // the PixelCNN alone has no z: its likelihood is exact at any k
            let sameBound = a.iwaeImages == b.iwaeImages && (a.iwaeK == b.iwaeK || [a.id, b.id].contains("pixelcnn-alone"))
            // Rows of the same data and digit count hold the bound of the same digits: paired, digit by digit.
            let paired = a.fingerprint == b.fingerprint && a.nllIwaePerDigit.count == b.nllIwaePerDigit.count && !a.nllIwaePerDigit.isEmpty
            let (d, se) = paired ? pairedDifference(a.nllIwaePerDigit, b.nllIwaePerDigit)
                                 : (a.nllIwaeNats - b.nllIwaeNats, (a.nllIwaeSe * a.nllIwaeSe + b.nllIwaeSe * b.nllIwaeSe).squareRoot())
            let how = paired ? "paired over the same \(a.nllIwaePerDigit.count) digits" : "unpaired"
            let verdict = abs(d) > 2 * se ? "the \(b.label) is \(d > 0 ? "lower" : "higher") than the \(a.label) by \(fmt(abs(d))) ± \(fmt(se)) nats (\(how))"
                : "the \(b.label) and the \(a.label) are within the noise of each other (\(fmt(d)) ± \(fmt(se)) nats, \(how))"
            return verdict + (sameBound ? "" : " (bounds at different k or on different digits: not comparable)")
        }
        var findings: [String] = []
        if let alone = row("pixelcnn-alone"), let gauss = row("vlae") { findings.append(compare(alone, gauss)) }
        if let gauss = row("vlae"), let af = row("vlae-af") { findings.append(compare(gauss, af)) }
        if let iaf = row("vlae-iaf"), let af = row("vlae-af") { findings.append(compare(iaf, af) + " (the paper: the AF prior about \(fmt(PaperNumbers.afOverIAF, 1)) nats better)") }
        if !findings.isEmpty {
            r.prose("The paper's ablation goes 87.55 → 79.48 → 78.94 nats (PixelCNN alone, + z with N(0, I) prior, + AF prior). Here, on the rows above (a difference counts as a direction only beyond twice its standard error): " + findings.joined(separator: "; ") + ".")
        }
        if let af = row("vlae-af") {
            let gap = af.nllIwaeNats - paperVLAE
            r.prose("""
            The VLAE with the AF prior: \(fmt(af.nllIwaeNats)) ± \(fmt(af.nllIwaeSe)) nats (k = \(af.iwaeK), \(af.iwaeImages) test digits) beside the paper's
            \(fmt(paperVLAE)), \(fmt(abs(gap))) nats \(gap > 0 ? "above" : "below") it. What differs from the paper's run, as measured here: \(af.epochs) epochs
            on \(af.trainImages) training digits (validation −ELBO by epoch: \(af.validationNegElbo.map { fmt($0) }.joined(separator: ", "))), the book's
            decoder and code size rather than the appendix's, and Adam at 10⁻³ rather than Adamax. Which of these makes the distance is not measured yet: that needs the protocol's long runs.
            """)
        }

        // What a full protocol run takes here, extrapolated from this run's measured rates (labelled as such).
        // Decoder passes of the bounds: k per digit, one per digit for the PixelCNN alone (no z: exact at any k).
        func passes(_ id: String, k: Int, kImages: Int, smallK: Int, smallKImages: Int) -> Double {
            id == "pixelcnn-alone" ? Double(kImages + smallKImages) : Double(k * kImages + smallK * smallKImages)
        }
        let rates: [(String, Double, Double)] = measured.values.compactMap { row in
            guard row.trainImagesPerSecond > 0, row.boundSeconds > 0 else { return nil }
            let done = passes(row.id, k: row.iwaeK, kImages: row.iwaeImages, smallK: row.smallK, smallKImages: row.smallKImages)
            return (row.id, row.trainImagesPerSecond, done / row.boundSeconds)
        }.sorted { $0.0 < $1.0 }
        if !rates.isEmpty {
            let p = PaperSettings.protocolDefault
            let estimates = rates.map { id, ips, sps -> (String, Double) in
                (id, Double(p.maxEpochs) * 50_000 / ips + passes(id, k: p.k, kImages: p.kImages, smallK: p.smallK, smallKImages: p.smallKImages) / sps)
            }
            r.prose("""
            **Extrapolated, not measured:** at this run's training rates and bound rates (load average \(loadAverage().map { fmt($0, 1) } ?? "unknown") on 2 cores),
            the protocol's rows would take at most \(estimates.map { "\($0.0) \(formatDuration($0.1))" }.joined(separator: ", ")) (the epoch cap reached; fewer
            epochs when validation stops earlier; each epoch's pass over the validation digits comes on top), \(formatDuration(estimates.map(\.1).reduce(0, +))) in all.
            """)
            r.metrics.extra["paper_protocol_extrapolated_seconds"] = estimates.map(\.1).reduce(0, +)
        }

        for x in shown {
            let row = x.row
            s.report.metrics.record(row.id, [
                "nll_iwae_nats": .number(row.nllIwaeNats), "nll_iwae_se": .number(row.nllIwaeSe), "iwae_k": .number(Double(row.iwaeK)),
                "iwae_images": .number(Double(row.iwaeImages)), "neg_elbo_nats": .number(row.negElbo), "neg_elbo_se": .number(row.negElboSe),
                "elbo_images": .number(Double(row.elboImages)), "nll_small_k_nats": .number(row.nllSmallKNats), "small_k": .number(Double(row.smallK)),
                "small_k_images": .number(Double(row.smallKImages)), "epochs": .number(Double(row.epochs)), "dataset": .string(row.dataset),
                "recorded": .bool(x.source == .recorded), "command": .string(row.command),
            ])
        }
        r.metrics.extra["paper_protocol"] = settings == .protocolDefault && options.maxTrainImages == 0
        r.references()
        try s.finish()
    }
}
