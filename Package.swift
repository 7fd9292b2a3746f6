// swift-tools-version:6.0
// The Variational Lossy Autoencoder, reproduced as literate Swift chapters.
//
// Targets, bottom up:
//   C shims (system libraries from Debian): CCairo, CGD, COpenBLAS, CGzip, COpenSSL, CBzip2
//   VLAE        the model module: tensors, autodiff, layers, models, objectives, data, training
//   Notebook    cells -> HTML reports, Cairo plots, libgd image grids
//   PlotServer  the embedded HTTP server (static files + Server-Sent Events)
//   ChapterKit  what every chapter executable shares: flags, the run harness
//   chapterN / serve / bench   thin executables in chapters/
import PackageDescription

// `swift run chapterN` is a debug build. The compute targets are optimised anyway:
// these flags come after SwiftPM's `-Onone` and win.
// On x86-64 the compute code is also compiled for the CPU it is built on: Swift's default
// target is the 2003 baseline (SSE2, 4 floats per instruction), and our own loops (im2col,
// ELU, elementwise ops) then run at a half or a quarter of the vector width the CPU has.
// `swift run` builds on the machine that runs the code, so "native" is always right there.
#if arch(x86_64)
let fast: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", "native"]),
]
#else
let fast: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"]),
]
#endif

let package = Package(
    name: "VLAE",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        .systemLibrary(name: "CCairo", pkgConfig: "cairo"),
        .systemLibrary(name: "CGD"),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas"),
        .systemLibrary(name: "CGzip", pkgConfig: "zlib"),
        .systemLibrary(name: "COpenSSL"),
        .systemLibrary(name: "CBzip2"),

        .target(
            name: "VLAE",
            dependencies: ["COpenBLAS", "CGzip", "COpenSSL", "CBzip2",
                           .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: fast),
        .target(
            name: "Notebook",
            dependencies: ["CCairo", "CGD", "COpenSSL"],
            swiftSettings: fast),
        .target(
            name: "PlotServer",
            dependencies: [.product(name: "FlyingFox", package: "FlyingFox")]),
        .target(
            name: "ChapterKit",
            dependencies: ["VLAE", "Notebook", "PlotServer",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Mustache", package: "swift-mustache")]),

        .executableTarget(name: "chapter0", dependencies: ["ChapterKit"], path: "chapters/chapter0"),
        .executableTarget(name: "chapter1", dependencies: ["ChapterKit"], path: "chapters/chapter1"),
        .executableTarget(name: "chapter2", dependencies: ["ChapterKit"], path: "chapters/chapter2"),
        .executableTarget(name: "chapter3", dependencies: ["ChapterKit"], path: "chapters/chapter3"),
        .executableTarget(name: "chapter4", dependencies: ["ChapterKit"], path: "chapters/chapter4", exclude: ["prose.md"]),
        .executableTarget(name: "chapter5", dependencies: ["ChapterKit"], path: "chapters/chapter5", exclude: ["prose.md"]),
        .executableTarget(name: "chapter6", dependencies: ["ChapterKit"], path: "chapters/chapter6"),
        .executableTarget(name: "chapter7", dependencies: ["ChapterKit"], path: "chapters/chapter7"),
        .executableTarget(name: "chapter8", dependencies: ["ChapterKit"], path: "chapters/chapter8"),
        .executableTarget(name: "evaluate", dependencies: ["ChapterKit"], path: "chapters/evaluate"),
        .executableTarget(name: "train", dependencies: ["ChapterKit"], path: "chapters/train"),
        .executableTarget(name: "chapter9", dependencies: ["ChapterKit"], path: "chapters/chapter9"),
        .executableTarget(name: "book",
                          dependencies: ["ChapterKit", "Exercises", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "chapters/book"),
        .executableTarget(name: "serve",
                          dependencies: ["PlotServer",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "chapters/serve"),
        .executableTarget(name: "bench", dependencies: ["ChapterKit", "VLAE"], path: "chapters/bench"),

        // The exercises (Sources/Exercises): a student copy without the solutions, and their checker.
        .target(name: "Exercises", dependencies: ["VLAE"]),
        .executableTarget(name: "exercises",
                          dependencies: ["Exercises", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "chapters/exercises"),
        .executableTarget(name: "check",
                          dependencies: ["Exercises", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "chapters/check"),

        .testTarget(name: "VLAETests", dependencies: ["VLAE"]),
        .testTarget(name: "NotebookTests", dependencies: ["Notebook"]),
        .testTarget(name: "PlotServerTests", dependencies: ["PlotServer"]),
        .testTarget(name: "ExercisesTests", dependencies: ["Exercises", "VLAE", "Notebook"]),   // @instructor-only
        .testTarget(name: "ChapterKitTests", dependencies: ["ChapterKit", "VLAE",
                                                          .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    ],
    swiftLanguageModes: [.v5]
)
