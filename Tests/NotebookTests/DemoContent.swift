import Foundation
@testable import Notebook

/// Made-up content exercising every cell type, for the pipeline test and a visual check.
enum DemoContent {
    static func digit(_ k: Int, jitter: Double) -> [Float] {
        (0..<784).map { i in
            let x = Double(i % 28) - 13.5, y = Double(i / 28) - 13.5
            let r = (x * x + y * y).squareRoot()
            let ring = exp(-pow(r - 6 - Double(k % 4), 2) / 3)
            let bar = abs(x - Double(k) + 4) < 1.6 && abs(y) < 9 ? 1.0 : 0.0
            return Float(min(1, (k % 2 == 0 ? ring : bar) + 0.25 * sin(Double(i) * jitter) * ring))
        }
    }

    static func fill(_ r: Report) {
        r.prose("""
        This page checks the **Notebook** module. The evidence lower bound is
        $$\\log p(x) \\ge \\mathbb{E}_{q_\\phi(z \\mid x)}\\left[\\log p_\\theta(x \\mid z)\\right] - D_{\\mathrm{KL}}\\left(q_\\phi(z \\mid x) \\,\\|\\, p(z)\\right)$$
        with $z \\sim \\mathcal{N}(\\mu, \\sigma^2 I)$ and $\\sum_{i=1}^{d} \\frac{1}{2}(\\mu_i^2 + \\sigma_i^2 - 1 - \\log \\sigma_i^2)$ nats of KL.
        """)
        r.section("Training curves")
        r.code("sample", file: #filePath.replacingOccurrences(of: "DemoContent.swift", with: "ReportTests.swift"))
        let epochs = 1...30
        func curve(_ a: Double, _ b: Double) -> [Double] { epochs.map { a + b / Double($0) } }
        try? r.figure(LineChart(title: "Test ELBO per epoch", xLabel: "epoch", yLabel: "−ELBO (nats)",
                                series: [Series(name: "factorized", values: curve(92, 40)),
                                         Series(name: "pixelcnn_l3", values: curve(84, 30)),
                                         Series(name: "pixelcnn_full", values: curve(80, 25), dashed: true)],
                                markers: true),
                      name: "elbo", caption: "Made-up curves: $-\\mathcal{L}$ falls with training.")
        try? r.figure(LineChart(title: "Learning rate", xLabel: "step", yLabel: "lr",
                                series: [Series(name: "lr", points: (0..<50).map { (Double($0 * 100), 1e-3 * pow(0.9, Double($0))) })],
                                logY: true),
                      name: "lr", caption: "A log axis.", width: 640, height: 300)
        r.keyNumbers([KeyNumber("Test ELBO", 93.214, unit: "nats", digits: 1),
                      KeyNumber("KL", 32.1, unit: "bits", digits: 1),
                      KeyNumber("Active units", 12, unit: "of 32", digits: 0),
                      KeyNumber("Train time", text: Format.duration(187))])
        r.section("Where the bits go")
        try? r.figure(BarChart(title: "Bits per image", yLabel: "bits",
                               categories: ["factorized", "pixelcnn_l3", "pixelcnn_l3_freebits", "pixelcnn_full"],
                               series: [BarSeries(name: "bits in z", values: [32, 11, 18, 0.4]),
                                        BarSeries(name: "bits paid by decoder", values: [102, 110, 100, 112])],
                               stacked: true, showValues: true, valueDigits: 0),
                      name: "bits", caption: "Stacked bars.")
        try? r.figure(BarChart(title: "Grouped", yLabel: "accuracy", categories: ["k=3", "k=5", "k=7"],
                               series: [BarSeries(name: "probe", values: [0.9, 0.8, 0.6]),
                                        BarSeries(name: "agreement", values: [0.7, 0.65, 0.4])]),
                      name: "grouped", caption: "Grouped bars.", height: 320)
        var rng = SystemRandomNumberGenerator()
        let labels = (0..<600).map { $0 % 10 }
        let pts = labels.map { l -> (Double, Double) in
            let a = Double(l) / 10 * 2 * .pi
            return (2 * cos(a) + Double.random(in: -0.6...0.6, using: &rng), 2 * sin(a) + Double.random(in: -0.6...0.6, using: &rng))
        }
        try? r.figure(ScatterChart(title: "Latent means by digit", xLabel: "z₁", yLabel: "z₂",
                                   points: pts, labels: labels, classNames: (0...9).map { "\($0)" }),
                      name: "latent", caption: "Ten classes.", width: 640, height: 480)
        let kl: [[Double]] = (0..<32).map { (d: Int) -> [Double] in
            (0..<30).map { (e: Int) -> Double in d % 5 == 0 ? Double(e) * 0.1 + Double(d) * 0.02 : 0.02 }
        }
        try? r.figure(Heatmap(title: "KL per latent dimension", xLabel: "epoch", yLabel: "dimension",
                              values: kl,
                              rowLabels: (1...32).map { "z\($0)" }, colorLabel: "nats"),
                      name: "kl", caption: "Heatmap.", width: 640, height: 420)
        try? r.figure(Histogram(title: "Posterior σ", xLabel: "σ",
                                samples: [("active", (0..<800).map { _ in Double.random(in: 0.05...0.5, using: &rng) }),
                                          ("inactive", (0..<800).map { _ in Double.random(in: 0.7...1.05, using: &rng) })],
                                bins: 30),
                      name: "sigma", caption: "Histogram.", height: 300)
        r.section("Samples")
        let rows = (0..<4).map { k in [digit(k, jitter: 0)] + (1...7).map { digit(k, jitter: Double($0)) } }
        try? r.figure(ImageGrid(rows: rows, rowLabels: ["zero", "one", "two", "three"],
                                columnLabels: ["original"] + (1...7).map(String.init), zoom: 2, highlightFirstColumn: true),
                      name: "samples", caption: "Original, then decompressions.")
        try? r.animation((0..<5).map { f in ImageGrid(rows: [(0..<6).map { digit($0, jitter: Double(f)) }], zoom: 2, scale: 1) },
                         name: "samples", caption: "An animation.")
        r.table(header: ["model", "−ELBO (nats)", "KL (bits)", "note"],
                rows: [["factorized", 93.2, .num(32.1, 1), "baseline"],
                       ["pixelcnn_l3", 85.71, .num(11.02, 1), "local receptive field"],
                       ["pixelcnn_full", 80.1, .num(0.4, 1), "ignores $z$"]],
                caption: "Made-up numbers.")
        r.callout(.note, "The KL term is $D_{\\mathrm{KL}} \\approx 0$ when the decoder ignores $z$.")
        r.callout(.warning, "Made-up data.", title: "Demo")
        r.quiz("Which decoder leaves the most information in $z$?",
               choices: ["pixelcnn_full", "factorized", "pixelcnn_l3"], answer: 1,
               explanation: "A factorized decoder cannot model pixel correlations, so $z$ must carry them.")
    }
}
