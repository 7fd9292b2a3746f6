/// Converts a TeX math subset to MathML, offline: what a VAE chapter needs
/// (\mathbb{E}, \log, \frac, sub/superscripts, Greek letters, \mid, \|, \sum, \int,
/// \mathcal{N}, \text, relations, \left( \right), accents, spacing).
///
///     TeX.mathML("D_{\\mathrm{KL}}(q \\| p) \\ge 0", display: false)
public enum TeX {
    /// `<math>` markup for a TeX expression; `display` for a centred block.
    public static func mathML(_ tex: String, display: Bool = false) -> String {
        var p = Parser(tokens: tokenize(tex), display: display)
        let body = p.parseList(until: nil)
        let open = display ? "<math display=\"block\">" : "<math>"
        return open + "<semantics><mrow>" + body + "</mrow><annotation encoding=\"application/x-tex\">"
            + HTML.escape(tex) + "</annotation></semantics></math>"
    }

    enum Token: Equatable {
        case command(String)   // \name, or \, \| \{ etc. (name is the symbol)
        case char(Character)
    }

    static func tokenize(_ s: String) -> [Token] {
        var out: [Token] = []
        let chars = Array(s)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\\" && i + 1 < chars.count {
                if chars[i + 1].isLetter {
                    var j = i + 1
                    while j < chars.count && chars[j].isLetter { j += 1 }
                    out.append(.command(String(chars[(i + 1)..<j])))
                    i = j
                } else {
                    out.append(.command(String(chars[i + 1]))); i += 2
                }
            } else {
                out.append(.char(c)); i += 1
            }
        }
        return out
    }

    static let greek: [String: String] = [
        "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
        "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
        "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
        "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
        "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
        "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    ]

    static let operators: [String: String] = [
        "ge": "≥", "geq": "≥", "le": "≤", "leq": "≤", "approx": "≈", "cdot": "⋅", "times": "×",
        "neq": "≠", "ne": "≠", "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒",
        "mid": "∣", "|": "‖", "Vert": "‖", "sim": "∼", "propto": "∝", "in": "∈", "notin": "∉",
        "pm": "±", "mp": "∓", "ll": "≪", "gg": "≫", "equiv": "≡", "coloneqq": "≔", "triangleq": "≜",
        "forall": "∀", "exists": "∃", "subset": "⊂", "subseteq": "⊆", "cup": "∪", "cap": "∩",
        "ldots": "…", "cdots": "⋯", "dots": "…", "{": "{", "}": "}", "langle": "⟨", "rangle": "⟩",
        "lVert": "‖", "rVert": "‖", "lvert": "|", "rvert": "|", "circ": "∘", "odot": "⊙",
        "setminus": "∖", "mapsto": "↦", "star": "⋆", "ast": "∗", "vert": "|", "#": "#", "%": "%",
        "&": "&", "_": "_", "$": "$",
    ]

    static let identifiers: [String: String] = [
        "infty": "∞", "partial": "∂", "nabla": "∇", "emptyset": "∅", "ell": "ℓ", "prime": "′",
    ]

    static let functions: Set<String> = [
        "log", "exp", "sin", "cos", "tan", "max", "min", "arg", "argmax", "argmin", "det",
        "lim", "sup", "inf", "ln", "tanh", "sigmoid", "softmax", "KL", "Var", "Cov", "diag", "Tr",
    ]

    static let bigOperators: [String: String] = [
        "sum": "∑", "prod": "∏", "int": "∫", "oint": "∮", "bigcup": "⋃", "bigcap": "⋂",
    ]

    /// Function application (invisible) and the thin space TeX puts after "log".
    static let apply = "<mo>&#x2061;</mo><mspace width=\"0.1667em\"/>"

    static let accents: [String: String] = [
        "hat": "^", "bar": "¯", "tilde": "~", "vec": "→", "dot": "˙", "overline": "¯", "widehat": "^", "widetilde": "~",
    ]

    static let spaces: [String: String] = [
        ",": "0.1667em", ":": "0.2222em", ";": "0.2778em", " ": "0.25em",
        "quad": "1em", "qquad": "2em", "!": "-0.1667em",
    ]

    /// Letters in a Unicode mathematical alphabet (what Chromium's MathML Core renders;
    /// it ignores most `mathvariant` values).
    static func styled(_ s: String, font: String) -> String {
        var out = ""
        for ch in s {
            guard let a = ch.asciiValue else { out.append(ch); continue }
            let upper = a >= 65 && a <= 90, lower = a >= 97 && a <= 122, digit = a >= 48 && a <= 57
            let exceptions: [String: [Character: String]] = [
                "bb": ["C": "ℂ", "H": "ℍ", "N": "ℕ", "P": "ℙ", "Q": "ℚ", "R": "ℝ", "Z": "ℤ"],
                "cal": ["B": "ℬ", "E": "ℰ", "F": "ℱ", "H": "ℋ", "I": "ℐ", "L": "ℒ", "M": "ℳ", "R": "ℛ",
                        "e": "ℯ", "g": "ℊ", "o": "ℴ"],
            ]
            if let e = exceptions[font]?[ch] { out += e; continue }
            let base: UInt32?
            switch font {
            case "bb": base = upper ? 0x1D538 : lower ? 0x1D552 : digit ? 0x1D7D8 : nil
            case "cal": base = upper ? 0x1D49C : lower ? 0x1D4B6 : nil
            case "bf": base = upper ? 0x1D400 : lower ? 0x1D41A : digit ? 0x1D7CE : nil
            case "bfit": base = upper ? 0x1D468 : lower ? 0x1D482 : nil
            case "frak": base = upper ? 0x1D504 : lower ? 0x1D51E : nil
            default: base = nil
            }
            guard let b = base else { out.append(ch); continue }
            let offset = UInt32(upper ? a - 65 : lower ? a - 97 : a - 48)
            out += String(UnicodeScalar(b + offset).map(Character.init) ?? ch)
        }
        return out
    }

    struct Parser {
        var tokens: [Token]
        var display: Bool
        var i = 0

        init(tokens: [Token], display: Bool) { self.tokens = tokens; self.display = display }

        var atEnd: Bool { i >= tokens.count }

        /// A bold argument: Latin letters and digits in the Unicode bold alphabet, a Greek letter
        /// command (`\\boldsymbol{\\epsilon}`) as its letter in bold type.
        func bold(_ raw: String, font: String) -> String {
            let name = raw.trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("\\"), let g = TeX.greek[String(name.dropFirst())] {
                return "<mi mathvariant=\"bold\" style=\"font-weight: bold\">\(g)</mi>"
            }
            return "<mi mathvariant=\"normal\">\(HTML.escape(TeX.styled(raw, font: font)))</mi>"
        }
        func peek() -> Token? { i < tokens.count ? tokens[i] : nil }

        mutating func skipSpace() {
            while case .char(let c)? = peek(), c.isWhitespace { i += 1 }
        }

        /// Parses atoms until `until` (a closing char like "}") or \right or the end.
        mutating func parseList(until close: Character?) -> String {
            var out = ""
            while true {
                skipSpace()
                guard let t = peek() else { break }
                if case .char(let c) = t, c == close { i += 1; break }
                if case .char("}") = t { i += 1; continue }   // stray brace
                if case .command("right") = t { break }
                if case .command("end") = t { break }
                out += parseScripted()
            }
            return out
        }

        /// An atom with its sub/superscripts.
        mutating func parseScripted() -> String {
            let (atom, isBig) = parseAtom()
            // Scripts attach to a function's name, before its application mark: \max_z f.
            let applied = atom.hasSuffix(TeX.apply)
            let base = applied ? String(atom.dropLast(TeX.apply.count)) : atom
            let tail = applied ? TeX.apply : ""
            let scripted = attachScripts(base, isBig: isBig)
            return scripted + tail
        }

        mutating func attachScripts(_ base: String, isBig: Bool) -> String {
            var sub: String?, sup: String?
            while true {
                skipSpace()
                if case .char("_")? = peek() { i += 1; sub = parseArgument() }
                else if case .char("^")? = peek() { i += 1; sup = parseArgument() }
                else if case .char("'")? = peek() { i += 1; sup = (sup ?? "") + "<mo>′</mo>" }
                else { break }
            }
            let under = isBig && display
            switch (sub, sup) {
            case let (b?, p?):
                return under ? "<munderover>\(base)<mrow>\(b)</mrow><mrow>\(p)</mrow></munderover>"
                    : "<msubsup>\(base)<mrow>\(b)</mrow><mrow>\(p)</mrow></msubsup>"
            case let (b?, nil):
                return under ? "<munder>\(base)<mrow>\(b)</mrow></munder>" : "<msub>\(base)<mrow>\(b)</mrow></msub>"
            case let (nil, p?):
                return under ? "<mover>\(base)<mrow>\(p)</mrow></mover>" : "<msup>\(base)<mrow>\(p)</mrow></msup>"
            default:
                return base
            }
        }

        /// A braced group or a single atom (for arguments of \frac, ^, _ ...).
        mutating func parseArgument() -> String {
            skipSpace()
            if case .char("{")? = peek() { i += 1; return "<mrow>" + parseList(until: "}") + "</mrow>" }
            return parseAtom().0
        }

        /// The raw text of a braced group (for \text, \mathrm, \operatorname).
        mutating func rawArgument() -> String {
            skipSpace()
            guard case .char("{")? = peek() else {
                if let t = peek() { i += 1; if case .char(let c) = t { return String(c) } }
                return ""
            }
            i += 1
            var depth = 1, s = ""
            while let t = peek() {
                i += 1
                switch t {
                case .char("{"): depth += 1; s.append("{")
                case .char("}"):
                    depth -= 1
                    if depth == 0 { return s }
                    s.append("}")
                case .char(let c): s.append(c)
                case .command(let name): s += name.count == 1 ? name : "\\" + name
                }
            }
            return s
        }

        /// One atom; the flag says it is a big operator (limits go under/over in display math).
        mutating func parseAtom() -> (String, Bool) {
            skipSpace()
            guard let t = peek() else { return ("", false) }
            i += 1
            switch t {
            case .char(let c):
                if c == "{" { return ("<mrow>" + parseList(until: "}") + "</mrow>", false) }
                if c.isNumber || c == "." {
                    var s = String(c)
                    while case .char(let d)? = peek(), d.isNumber || d == "." { s.append(d); i += 1 }
                    return ("<mn>\(s)</mn>", false)
                }
                if c.isLetter { return ("<mi>\(HTML.escape(String(c)))</mi>", false) }
                if c == "(" || c == ")" || c == "[" || c == "]" || c == "|" {
                    return ("<mo stretchy=\"false\">\(c)</mo>", false)
                }
                if c == "-" { return ("<mo>−</mo>", false) }
                if c == "~" { return ("<mspace width=\"0.25em\"/>", false) }
                if c == "&" { return ("", false) }
                return ("<mo>\(HTML.escape(String(c)))</mo>", false)
            case .command(let name):
                return command(name)
            }
        }

        mutating func command(_ name: String) -> (String, Bool) {
            if let g = TeX.greek[name] {
                let upright = g.first!.isUppercase
                return (upright ? "<mi mathvariant=\"normal\">\(g)</mi>" : "<mi>\(g)</mi>", false)
            }
            if let op = TeX.operators[name] {
                if name == "mid" { return ("<mo lspace=\"0.2778em\" rspace=\"0.2778em\">∣</mo>", false) }
                return ("<mo>\(HTML.escape(op))</mo>", false)
            }
            if let id = TeX.identifiers[name] { return ("<mi>\(id)</mi>", false) }
            if let w = TeX.spaces[name] { return ("<mspace width=\"\(w)\"/>", false) }
            if TeX.functions.contains(name) {
                // A thin space after the name, as TeX sets "\\log p".
                return ("<mi>\(name)</mi>\(TeX.apply)", ["max", "min", "argmax", "argmin", "lim", "sup", "inf"].contains(name))
            }
            if let big = TeX.bigOperators[name] { return ("<mo largeop=\"true\" movablelimits=\"true\">\(big)</mo>", name != "int") }
            if let accent = TeX.accents[name] {
                let arg = parseArgument()
                return ("<mover accent=\"true\">\(arg)<mo>\(accent)</mo></mover>", false)
            }
            switch name {
            case "frac", "dfrac", "tfrac":
                let a = parseArgument(), b = parseArgument()
                return ("<mfrac>\(a)\(b)</mfrac>", false)
            case "sqrt":
                return ("<msqrt>\(parseArgument())</msqrt>", false)
            case "text", "textrm", "mbox":
                return ("<mtext>\(HTML.escape(rawArgument()))</mtext>", false)
            case "mathrm", "operatorname":
                let s = rawArgument()
                let tag = "<mi mathvariant=\"normal\">\(HTML.escape(s))</mi>"
                return (name == "operatorname" ? tag + "\(TeX.apply)" : tag, false)
            case "mathbb": return ("<mi>\(HTML.escape(TeX.styled(rawArgument(), font: "bb")))</mi>", false)
            case "mathcal": return ("<mi>\(HTML.escape(TeX.styled(rawArgument(), font: "cal")))</mi>", false)
            case "mathfrak": return ("<mi>\(HTML.escape(TeX.styled(rawArgument(), font: "frak")))</mi>", false)
            case "mathbf": return (bold(rawArgument(), font: "bf"), false)
            case "boldsymbol", "bm": return (bold(rawArgument(), font: "bfit"), false)
            case "mathit": return ("<mi>\(HTML.escape(rawArgument()))</mi>", false)
            case "left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big", "bigg", "Bigg":
                skipSpace()
                var fence = ""
                if let t = peek() {
                    i += 1
                    switch t {
                    case .char("."): fence = ""
                    case .char(let c): fence = String(c)
                    case .command(let n): fence = TeX.operators[n] ?? n
                    }
                }
                let mo = fence.isEmpty ? "" : "<mo fence=\"true\" stretchy=\"true\">\(HTML.escape(fence))</mo>"
                if name == "left" {
                    let inner = parseList(until: nil)
                    var closing = ""
                    if case .command("right")? = peek() { i += 1; closing = command("right").0 }
                    return ("<mrow>\(mo)\(inner)\(closing)</mrow>", false)
                }
                return (mo, false)
            case "\\": return ("<mspace linebreak=\"newline\"/>", false)
            case "begin", "end":
                _ = rawArgument()
                return ("", false)
            default:
                return ("<mtext>\\\(HTML.escape(name))</mtext>", false)
            }
        }
    }
}
