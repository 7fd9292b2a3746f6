// A cell of the model module's own code on a chapter's page.

import Notebook
import VLAE

extension Report {
    /// A cell of the model module's own code (`// @cell name` ... `// @end` in Sources/VLAE/`file`),
    /// labelled with its file, e.g. `moduleCode("gaussian-kl", in: "Objectives/Gaussian.swift")`.
    /// With `paper` (the paper's sentence or equation the code implements, Markdown with `$math$`)
    /// the quote sits beside the code (Annotated-Transformer style); `source` says where it is from.
    public func moduleCode(_ name: String, in file: String, caption: String? = nil,
                           paper: String? = nil, source: String? = nil) {
        code(name, file: ModuleSource.path(file), caption: caption ?? "`Sources/VLAE/\(file)` · \(name)",
             paper: paper, source: source)
    }
}
