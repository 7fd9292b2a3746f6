// swift run train TARGET INDEX: train one model of a chapter into the model cache, with the
// chapter's own recipe, so the chapter reads it from the cache. For job arrays (one task a
// model): scripts/slurm/train.sh TARGET submits `train TARGET $SLURM_ARRAY_TASK_ID` for each.
//
//   swift run train --list                       the targets
//   swift run train chapter5-search --count      how many models it holds under these flags
//   swift run train chapter5-search --models     their names and cache keys, by index
//   swift run train chapter5-search 3 --quick    train model 3

import ArgumentParser
import ChapterKit
import Foundation
import VLAE

struct Train: ChapterCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one model of a chapter into the model cache (the chapter's recipe and cache key): one task of a job array.")

    @OptionGroup var options: CommonOptions

    @Argument(help: "What to train: \(TrainTarget.all.map(\.name).joined(separator: ", ")).")
    var target: String?

    @Argument(help: "Which of the target's models (0-based; a Slurm array task passes $SLURM_ARRAY_TASK_ID).")
    var index: Int?

    @Flag(name: .long, help: "List the targets.")
    var list: Bool = false

    @Flag(name: .long, help: "Print how many models the target holds under these flags (the array's size).")
    var count: Bool = false

    @Flag(name: .long, help: "List the target's models under these flags: index, name, cache key.")
    var models: Bool = false

    func validate() throws {
        if list { return }
        guard let target else { throw ValidationError("give a target (\(TrainTarget.all.map(\.name).joined(separator: ", "))) and an index, or --list") }
        guard TrainTarget.named(target) != nil else {
            throw ValidationError("unknown target \(target); known: \(TrainTarget.all.map(\.name).joined(separator: ", "))")
        }
        if !count && !models && index == nil { throw ValidationError("give the index of the model to train (0-based), or --count / --models") }
        if let index, index < 0 { throw ValidationError("the index must be 0 or more") }
    }

    func run() throws { runChapter { try train() } }

    func train() throws {
        if list {
            for t in TrainTarget.all { print("\(t.name.padding(toLength: 16, withPad: " ", startingAt: 0)) chapter \(t.chapter): \(t.summary)") }
            return
        }
        let t = TrainTarget.named(target!)!
        let data = t.data(options)
        let all = t.models(options, fingerprint: data.fingerprint)
        if count { print(all.count); return }
        if models {
            for (i, m) in all.enumerated() { print("\(i)\t\(m.recipe.name)\t\(m.key)") }
            return
        }
        guard let index, index < all.count else {
            fail("\(t.name) holds \(all.count) models under these flags (indices 0-\(all.count - 1)), not \(self.index!): see 'swift run train \(t.name) --models'")
        }
        let m = all[index]
        print("train: \(t.name) model \(index) of \(all.count), \(m.recipe.name) (cache key \(m.key)) on \(data.name), \(computeThreads) compute threads, into \(options.cache.root)")
        let trained = try obtainModel(m.recipe.config, m.recipe.training, data: data, options: options)
        print(String(format: "train: %@ done: %@; test ELBO %.4f nats; 'swift run chapter%d' reads it from %@",
                     m.recipe.name, trained.originText, trained.test.elbo, t.chapter, options.cache.root))
    }
}

Train.main()
