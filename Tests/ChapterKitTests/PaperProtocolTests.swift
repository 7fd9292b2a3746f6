// Chapter 8 --paper: a row's file carries the keys the acceptance names (dataset, iwae_k,
// iwae_images, ...) and reads back whole; the command that re-measures a row repeats exactly the
// settings that differ from the protocol's; only the protocol's own settings write to records/.

import ArgumentParser
@testable import ChapterKit
import Foundation
import Testing
import VLAE

@Suite struct PaperProtocolTests {
    func options(_ flags: [String]) throws -> CommonOptions {
        try CommonOptions.parse(flags + ["--output", NSTemporaryDirectory()])
    }

    @Test func rowFileRoundTripsWithSnakeCaseKeys() throws {
        let row = PaperRow(id: "vlae-af", label: "VLAE, AF prior", recipeKey: "k1", dataset: "mnist", fingerprint: "fp", binarization: "static",
                           epochs: 3, maxEpochs: 30, validationNegElbo: [90, 85, 84, 84.5], trainImages: 50_000, trainImagesPerSecond: 80,
                           negElbo: 84, negElboSe: 0.3, elboImages: 10_000, nllIwaeNats: 81.5, nllIwaeSe: 0.6, iwaeK: 4096, iwaeImages: 1000,
                           nllIwaePerDigit: [81, 82],
                           nllSmallKNats: 82, nllSmallKSe: 0.2, smallK: 64, smallKImages: 10_000, trainSeconds: 1000, boundSeconds: 500,
                           codeVersion: CodeVersion.current, commit: "abc1234", date: "2026-12-03T17:00:00Z",
                           command: "swift run chapter8 --dataset mnist --paper --paper-row vlae-af")
        let dir = NSTemporaryDirectory() + "paper-rows-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = PaperProtocol.file(dir, id: row.id, binarization: row.binarization)
        try SearchRecord.writeJSON(row, to: path, snakeCase: true)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(json["dataset"] as? String == "mnist" && json["iwae_k"] as? Int == 4096 && json["iwae_images"] as? Int == 1000)
        #expect(json["nll_iwae_se"] as? Double == 0.6 && json["recipe_key"] as? String == "k1" && json["code_version"] as? Int == CodeVersion.current)
        let back = try #require(PaperProtocol.read(path))
        #expect(json["nll_iwae_per_digit"] as? [Double] == [81, 82])
        #expect(back.nllIwaeNats == 81.5 && back.validationNegElbo == [90, 85, 84, 84.5] && back.command == row.command)
    }

    @Test func commandsAndWhereRowsGo() throws {
        let full = try options(["--dataset", "mnist"])
        #expect(PaperProtocol.command(id: "vlae", full, .protocolDefault) == "swift run chapter8 --dataset mnist --paper --paper-row vlae")
        #expect(PaperProtocol.folder(full, .protocolDefault) == PaperProtocol.recordsFolder)
        var fewer = PaperSettings.protocolDefault
        fewer.kImages = 2000
        #expect(PaperProtocol.command(id: "vlae", full, fewer).hasSuffix("--paper-row vlae --paper-k-images 2000"))
        #expect(PaperProtocol.folder(full, fewer) != PaperProtocol.recordsFolder, "other settings never write to records/")
        let quick = try options(["--dataset", "mnist", "--quick", "--dynamic"])
        #expect(PaperProtocol.command(id: "factorized", quick, .quick) == "swift run chapter8 --dataset mnist --paper --paper-row factorized --quick --dynamic")
        #expect(PaperProtocol.folder(quick, .protocolDefault) != PaperProtocol.recordsFolder, "--quick trains on fewer digits: never records/")
        #expect(PaperProtocol.rowIDs.allSatisfy { BookModel.named($0) != nil })
    }

    @Test func meanAndStandardError() {
        let (m, se) = meanAndSE([1, 2, 3, 4])
        #expect(m == 2.5 && abs(se - (1.6666666666666667 / 4).squareRoot()) < 1e-12)
        #expect(meanAndSE([5]).se == 0)
        #expect(abs(proportionSE(0.9, count: 100) - 0.03) < 1e-12)
    }
}
