// Citations in prose and the reference list at the end of a chapter, from the shared
// Bibliography:
//
//     r.prose("Free bits \(r.cite("kingma2016")) let each dimension keep λ nats without cost.")
//     r.prose("\(r.citet("burda2016")) tighten the bound with k samples.")
//     ...
//     r.references()     // "References": exactly the works this page cited, by first author
//
// cite/citet return Markdown (a link to the entry), so they work in prose, captions, callouts,
// table cells and quiz text. A page that cites nothing gets no References section; a page that
// cites but never calls references() gets the list at its end. Works cited after references()
// was called still appear in it (the list is rendered when the page is).

import Foundation

enum References {
    static let anchor = "references"
    /// Stands for the list in `fragments` until the page is rendered.
    static let placeholder = "\u{E000}references\u{E000}"

    static func entryHTML(_ w: Reference) -> String {
        let authors: String
        switch w.authors.count {
        case 0: authors = ""
        case 1: authors = w.authors[0]
        case 2: authors = w.authors[0] + " and " + w.authors[1]
        default: authors = w.authors.dropLast().joined(separator: ", ") + ", and " + w.authors.last!
        }
        var h = "<li id=\"ref-\(HTML.escape(w.key))\">\(HTML.escape(authors)) (\(HTML.escape(w.year))). "
        h += "<cite>\(HTML.escape(w.title))</cite>. \(HTML.escape(w.venue))."
        if !w.url.isEmpty {
            let shown = w.url.hasPrefix("https://arxiv.org/abs/") ? "arXiv:" + w.url.dropFirst(22) : w.url
            h += " <a href=\"\(HTML.escape(w.url))\">\(HTML.escape(String(shown)))</a>"
        }
        return h + "</li>"
    }

    static let css = """
    .references ol { list-style: none; padding: 0; font-size: .9rem; }
    .references li { margin: .45rem 0; padding-left: 1.6rem; text-indent: -1.6rem; line-height: 1.5; }
    .references li:target { background: #fff7d6; }
    .references cite { font-style: italic; }
    a.cite { text-decoration: none; border-bottom: 1px dotted currentColor; }
    """
}

extension Report {
    /// A parenthetical citation, "(Kingma et al., 2016)", linked to its entry in the list.
    /// Several keys: "(Bowman et al., 2016; Kingma et al., 2016)". An unknown key is shown as
    /// "(unknown reference: key)" and reported on stderr (the chapter's work is not lost).
    public func cite(_ keys: String...) -> String { "(" + citations(keys, textual: false) + ")" }

    /// A textual citation, "Kingma et al. (2016)", for a sentence whose subject is the work.
    public func citet(_ keys: String...) -> String { citations(keys, textual: true) }

    func citations(_ keys: [String], textual: Bool) -> String {
        keys.map { key -> String in
            guard let w = Bibliography.work(key) else {
                FileHandle.standardError.write(Data("warning: chapter \(chapter) cites unknown reference \"\(key)\"\n".utf8))
                return "unknown reference: \(key)"
            }
            if !citedKeys.contains(key) { citedKeys.append(key) }
            let text = textual ? "\(w.shortAuthors) (\(w.year))" : w.shortCitation
            return "[\(text)](#ref-\(key))"
        }.joined(separator: textual ? ", " : "; ")
    }

    /// The keys cited so far, in order of first citation.
    public var citedWorks: [String] { citedKeys }

    /// Places the chapter's reference list here (call it last). Nothing is shown if the page
    /// cites nothing.
    public func references() {
        guard !referencesPlaced else { return }
        referencesPlaced = true
        usedIds.insert(References.anchor)
        fragments.append(References.placeholder)
    }

    /// The list of cited works, sorted by first author and year; empty if none.
    var referencesHTML: String {
        guard !citedKeys.isEmpty else { return "" }
        let works = citedKeys.compactMap(Bibliography.work).sorted {
            ($0.family.first ?? "", $0.year) < ($1.family.first ?? "", $1.year)
        }
        return "<section class=\"references\"><h2 id=\"\(References.anchor)\">References<a class=\"anchor\" href=\"#\(References.anchor)\">#</a></h2><ol>"
            + works.map(References.entryHTML).joined() + "</ol></section>"
    }

    /// The page's cells, with the reference list in its place (or at the end).
    var bodyHTML: String {
        let refs = referencesHTML
        var parts = fragments.map { $0 == References.placeholder ? refs : $0 }
        if !referencesPlaced && !refs.isEmpty { parts.append(refs) }
        return parts.joined(separator: "\n")
    }
}
