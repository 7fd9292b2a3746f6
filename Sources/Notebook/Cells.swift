/// A table cell: text (left-aligned) or a number (right-aligned, fixed decimals).
public enum TableCell: ExpressibleByStringLiteral, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    case text(String)
    case number(Double, digits: Int)

    public init(stringLiteral v: String) { self = .text(v) }
    public init(floatLiteral v: Double) { self = .number(v, digits: 2) }
    public init(integerLiteral v: Int) { self = .number(Double(v), digits: 0) }

    /// A number with `digits` decimals.
    public static func num(_ v: Double, _ digits: Int = 2) -> TableCell { .number(v, digits: digits) }

    var isNumber: Bool { if case .number = self { return true } else { return false } }

    var html: String {
        switch self {
        case .text(let s): return Markdown.inlineHTML(s)
        case .number(let v, let d): return HTML.escape(Format.number(v, digits: d))
        }
    }
}

/// A key number shown as a card: label, value and unit.
public struct KeyNumber {
    public var label: String
    public var value: String
    public var unit: String
    public var note: String

    /// `KeyNumber("Test ELBO", 93.214, unit: "nats", digits: 1)` shows "93.2 nats".
    public init(_ label: String, _ value: Double, unit: String = "", digits: Int = 2, note: String = "") {
        self.label = label; self.value = Format.number(value, digits: digits); self.unit = unit; self.note = note
    }

    /// A card with a ready-made value text.
    public init(_ label: String, text: String, unit: String = "", note: String = "") {
        self.label = label; self.value = text; self.unit = unit; self.note = note
    }

    var html: String {
        "<div class=\"card\"><div class=\"label\">\(HTML.escape(label))</div><div class=\"value\">\(HTML.escape(value))"
            + (unit.isEmpty ? "" : "<span class=\"unit\"> \(HTML.escape(unit))</span>") + "</div>"
            + (note.isEmpty ? "" : "<div class=\"note\">\(Markdown.inlineHTML(note))</div>") + "</div>"
    }
}

/// The kind of a callout box.
public enum CalloutKind: String {
    case note, warning, tip

    var defaultTitle: String {
        switch self { case .note: return "Note"; case .warning: return "Warning"; case .tip: return "Tip" }
    }
}
