// Where this module's source files are, so a chapter can show the model's own code in its report
// (cells marked `// @cell name` ... `// @end` in Sources/VLAE). `swift run` runs from the package,
// so the sources are beside the binary's build; a report says so if a file cannot be read.

import Foundation

public enum ModuleSource {
    /// The folder Sources/VLAE, from this file's compile-time path.
    public static let root: String = (#filePath as NSString).deletingLastPathComponent

    /// The absolute path of a module file given relative to Sources/VLAE, e.g. "Objectives/Gaussian.swift".
    public static func path(_ relative: String) -> String { root + "/" + relative }
}
