// A cell of the model module's own code beside the sentence or equation of the paper it
// implements (Annotated-Transformer style): side by side on wide screens, stacked on narrow.
//
//     r.moduleCode("gaussian-kl", in: "Objectives/Gaussian.swift",
//                  paper: "…the KL term … can be computed analytically…",
//                  source: r.cite("kingma2014") + ", appendix B")

import Notebook
import VLAE

extension Report {
    /// Cell `name` (`// @cell name` ... `// @end` in Sources/VLAE/`file`) with the paper's words
    /// `paper` (Markdown with `$math$`) beside it; `source` says where the words are from.
    public func moduleCode(_ name: String, in file: String, caption: String? = nil, paper: String, source: String) {
        code(name, file: ModuleSource.path(file), caption: caption ?? "`Sources/VLAE/\(file)` · \(name)",
             paper: paper, source: source)
    }
}
