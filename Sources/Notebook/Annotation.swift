// A sentence or equation of the paper beside the code that implements it, as The Annotated
// Transformer does: side by side on wide screens (the pair widens past the text column),
// the quote above the code on narrow ones.
//
//     r.code("train", paper: "We maximise $\\mathcal{L}(x; \\theta)$ ...", source: "Chen et al. 2017, §2")
//     r.moduleCode("gaussian-kl", in: "Objectives/Gaussian.swift", paper: "...", source: "...")   // ChapterKit

enum Annotation {
    /// The quote (Markdown with `$math$`) and its source, beside an already rendered cell.
    static func html(quote: String, source: String?, beside cell: String) -> String {
        let src = source.map { "<footer class=\"paper-source\">— \(Markdown.inlineHTML($0))</footer>" } ?? ""
        // A display equation too long for the quote's column puts the quote above the code, at the
        // pair's full width, instead of clipping it at the box's edge.
        let stacked = longestDisplayEquation(quote) > stackedEquationLength
        return "<div class=\"annotated\(stacked ? " stacked" : "")\"><blockquote class=\"paper\"><div class=\"paper-label\">The paper</div>"
            + Markdown.html(quote).html + src + "</blockquote>" + cell + "</div>"
    }

    /// TeX characters of a display equation (commands counted as one) beyond which it is stacked.
    static let stackedEquationLength = 70

    /// The length of the longest `$$...$$` equation of `markdown`, each command (`\\mathbb`) counted
    /// as one character and braces not at all: roughly how many symbols it sets.
    static func longestDisplayEquation(_ markdown: String) -> Int {
        let parts = markdown.components(separatedBy: "$$")
        return stride(from: 1, to: parts.count, by: 2).map { i -> Int in
            var n = 0, inCommand = false
            for c in parts[i] {
                if c == "\\" { inCommand = true; n += 1; continue }
                if inCommand && c.isLetter { continue }
                inCommand = false
                if c != "{" && c != "}" && c != " " { n += 1 }
            }
            return n
        }.max() ?? 0
    }

    static let css = """
    .annotated { margin: 1.6rem 0; }
    .annotated .paper { margin: 0 0 .7rem; padding: .55rem .95rem .6rem; border-left: 3px solid #9aa3ad;
                        background: #fafafa; border-radius: 0 6px 6px 0; font-size: .95rem; overflow-x: auto; min-width: 0; }
    .annotated .paper p { margin: .3rem 0; }
    .annotated .paper math[display="block"] { margin: .5rem 0; font-size: .8em; }   /* fits the narrow paper column */
    .annotated .paper-label { font-family: system-ui, "DejaVu Sans", sans-serif; font-size: .68rem; font-weight: 700;
                              text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
    .annotated .paper-source { font-family: system-ui, "DejaVu Sans", sans-serif; font-size: .76rem;
                               color: var(--muted); margin-top: .35rem; }
    .annotated .codecell { margin: 0; min-width: 0; }
    @media (min-width: 64rem) {
        .annotated { display: grid; grid-template-columns: minmax(15rem, 2fr) minmax(0, 3fr); gap: 1.3rem;
                     align-items: start; width: min(74rem, calc(100vw - 3rem));
                     margin-left: calc(50% - min(37rem, 50vw - 1.5rem)); }
        .annotated .paper { margin: 1.05rem 0 0; }
        .annotated.stacked { display: block; }
        .annotated.stacked .paper { margin: 0 0 .7rem; }
        .annotated.stacked .paper math[display="block"] { font-size: 1em; }
    }
    @media print { .annotated { display: block; width: auto; margin-left: 0; } }
    """
}
