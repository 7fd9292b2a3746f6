// The models a chapter trains, as a list a batch scheduler can split: `swift run train TARGET
// INDEX` trains model INDEX of TARGET into the model cache with the chapter's own recipe (the
// same cache key), so the chapter then reads it from the cache. scripts/slurm/train.sh submits
// one Slurm array task per model.

import Foundation
import VLAE

/// A chapter's models, in the order the chapter trains them, under the given flags.
public struct TrainTarget {
    public let name: String
    /// The chapter that reads the models back (the command that runs after the array).
    public let chapter: Int
    public let summary: String
    /// The recipes, before merging those that are the same model under these flags.
    public let recipes: (CommonOptions) -> [ModelRecipe]
    /// The data the models train on (the chapter's: the --dataset flag unless the target says otherwise).
    public let data: (CommonOptions) -> Dataset

    public init(name: String, chapter: Int, summary: String, recipes: @escaping (CommonOptions) -> [ModelRecipe],
                data: @escaping (CommonOptions) -> Dataset = { $0.loadData() }) {
        self.name = name; self.chapter = chapter; self.summary = summary; self.recipes = recipes; self.data = data
    }

    /// The book's targets. A chapter whose models should run as an array adds an entry here that
    /// builds its recipes the way the chapter does (for chapter 8's paper protocol: its five
    /// recipes and, through `data`, the protocol's training digits).
    public static let all: [TrainTarget] = [
        TrainTarget(name: "chapter1", chapter: 1, summary: "chapter 1's VAE with the factorized decoder (chapter 5 compares with it)") {
            [BookModels.factorized($0)]
        },
        TrainTarget(name: "chapter4", chapter: 4, summary: "chapter 4's seven decoders, factorized to the 12-layer PixelCNN (the default --layers)") { o in
            ReceptiveFieldSweep.models(latentDim: o.latentDim).map { config in
                ModelRecipe(config: config, training: o.training(epochs: o.standardEpochs), summary: config.name)
            }
        },
        TrainTarget(name: "chapter5-search", chapter: 5, summary: "the VLAE configurations of chapter 5's search (its own VLAE among them)") { o in
            BookModels.vlaeSearch.map { BookModels.vlae(o, $0) }
        },
    ]

    public static func named(_ name: String) -> TrainTarget? { all.first { $0.name == name } }

    /// The distinct models under these flags (with --quick or --epochs, recipes that differ only
    /// in run length become one model, as in the chapter), with their cache keys.
    public func models(_ o: CommonOptions, fingerprint: String) -> [(recipe: ModelRecipe, key: String)] {
        var seen: Set<String> = []
        return recipes(o).compactMap { r in
            let key = ModelCache.key(r.config, r.training, fingerprint: fingerprint)
            return seen.insert(key).inserted ? (r, key) : nil
        }
    }
}
