import Testing
@testable import Notebook

@Suite struct MathTests {
    @Test func fractionsScriptsAndGreek() {
        let m = TeX.mathML("\\frac{1}{2}\\sigma^2_{z}")
        #expect(m.hasPrefix("<math>"))
        #expect(m.contains("<mfrac><mrow><mn>1</mn></mrow><mrow><mn>2</mn></mrow></mfrac>"))
        #expect(m.contains("<msubsup><mi>σ</mi><mrow><mrow><mi>z</mi></mrow></mrow><mrow><mn>2</mn></mrow></msubsup>"))
    }

    @Test func elbo() {
        let m = TeX.mathML("\\log p(x) \\ge \\mathbb{E}_{q(z \\mid x)}[\\log p(x \\mid z)] - D_{\\mathrm{KL}}(q \\| p)", display: true)
        #expect(m.hasPrefix("<math display=\"block\">"))
        #expect(m.contains("<mi>log</mi><mo>&#x2061;</mo>"))
        #expect(m.contains("<mo>≥</mo>"))
        #expect(m.contains("<msub><mi>𝔼</mi>"))
        #expect(m.contains("∣"))
        #expect(m.contains("<mi mathvariant=\"normal\">KL</mi>"))
        #expect(m.contains("<mo>‖</mo>"))
        #expect(m.contains("<mo>−</mo>"))
    }

    @Test func bigOperatorsTextAndCalligraphic() {
        let m = TeX.mathML("\\sum_{i=1}^{N} \\int z \\, \\mathcal{N}(0, I) \\text{ if } a \\approx b \\cdot c \\le d", display: true)
        #expect(m.contains("<munderover><mo largeop=\"true\" movablelimits=\"true\">∑</mo>"))
        #expect(m.contains("∫"))
        #expect(m.contains("<mi>𝒩</mi>"))
        #expect(m.contains("<mtext> if </mtext>"))
        #expect(m.contains("≈") && m.contains("⋅") && m.contains("≤"))
        let inline = TeX.mathML("\\sum_i x_i")
        #expect(inline.contains("<msub><mo largeop"))
        let argmax = TeX.mathML("\\max_{z} f", display: true)
        #expect(argmax.contains("<munder><mi>max</mi><mrow><mrow><mi>z</mi></mrow></mrow></munder><mo>&#x2061;</mo>"))
    }

    @Test func boldLettersAndBoldGreek() {
        let m = TeX.mathML("\\mathbf{z} = g_{\\phi}(\\boldsymbol{\\epsilon}, \\mathbf{x})")
        #expect(m.contains("𝐳") && m.contains("𝐱"))
        #expect(m.contains(">ϵ</mi>"))
        #expect(!m.contains("<mtext>\\") && !m.contains("\\𝒆"))       // no command printed as text
    }

    @Test func fencesAndEscaping() {
        let m = TeX.mathML("\\left( a < b \\right)")
        #expect(m.contains("<mo fence=\"true\" stretchy=\"true\">(</mo>"))
        #expect(m.contains("<mo>&lt;</mo>"))
        #expect(m.contains("<annotation encoding=\"application/x-tex\">\\left( a &lt; b \\right)</annotation>"))
    }

    @Test func markdownProtectsMath() {
        let (html, headings) = Markdown.html("# The *ELBO*\n\nWith $a_1 * b_2$ and $$x^2$$, costs \\$5 <b>.\n\n- one\n- `two_*`")
        #expect(headings == [Markdown.Heading(level: 1, text: "The *ELBO*", id: "the-elbo")])
        #expect(html.contains("<h1 id=\"the-elbo\">The <em>ELBO</em></h1>"))
        #expect(html.contains("<msub><mi>a</mi><mrow><mn>1</mn></mrow></msub><mo>*</mo>"))
        #expect(!html.contains("<em>1"))
        #expect(html.contains("<math display=\"block\">"))
        #expect(html.contains("costs $5 &lt;b&gt;."))
        #expect(html.contains("<ul><li>one</li><li><code>two_*</code></li></ul>"))
    }
}

@Suite struct LayoutTests {
    /// \widetilde is an accent, not raw text (chapter 5's free-bits quote).
    @Test func wideTildeIsAnAccent() {
        let m = TeX.mathML("\\widetilde{\\mathcal{L}}_\\lambda")
        #expect(m.contains("<mover accent=\"true\">"))
        #expect(!m.contains("<mtext>\\"))
    }

    /// A quote with a long display equation is stacked above its code instead of squeezed beside it.
    @Test func longEquationsAreStacked() {
        let short = Annotation.html(quote: "$$a = b$$", source: nil, beside: "<pre></pre>")
        #expect(short.hasPrefix("<div class=\"annotated\">"))
        let freeBits = "$$\\widetilde{\\mathcal{L}}_\\lambda = \\mathbb{E}_{x \\sim \\mathcal{M}}\\left[\\mathbb{E}_{q(z \\mid x)}[\\log p(x \\mid z)]\\right] - \\sum_{j=1}^{K} \\operatorname{maximum}\\left(\\lambda, \\mathbb{E}_{x \\sim \\mathcal{M}}\\left[D_{KL}(q(z_j \\mid x) \\| p(z_j))\\right]\\right)$$"
        #expect(Annotation.longestDisplayEquation(freeBits) > Annotation.stackedEquationLength)
        #expect(Annotation.html(quote: freeBits, source: nil, beside: "").hasPrefix("<div class=\"annotated stacked\">"))
    }

    /// A table of many columns gets the wide wrapper; a small one stays in the text column.
    @Test func wideTablesAreWrapped() {
        let r = Report(chapter: 99, title: "t")
        r.table(header: ["a", "b"], rows: [["1", "2"]])
        r.table(header: (0..<10).map { "c\($0)" }, rows: [(0..<10).map { TableCell.text("\($0)") }])
        let html = r.fragments.joined()
        #expect(html.contains("<div class=\"table-wrap\"><table>"))
        #expect(html.contains("<div class=\"table-wrap wide\"><table>"))
    }
}
