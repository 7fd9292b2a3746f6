/// An sRGB colour with components in 0...1.
public struct Color: Equatable, Sendable {
    public var r: Double, g: Double, b: Double

    public init(r: Double, g: Double, b: Double) { self.r = r; self.g = g; self.b = b }

    /// `Color(hex: 0x0072B2)`.
    public init(hex: UInt32) {
        r = Double((hex >> 16) & 0xFF) / 255
        g = Double((hex >> 8) & 0xFF) / 255
        b = Double(hex & 0xFF) / 255
    }

    /// `#rrggbb`, for HTML and CSS.
    public var css: String {
        func h(_ v: Double) -> String {
            let s = String(Int((max(0, min(1, v)) * 255).rounded()), radix: 16)
            return s.count == 1 ? "0" + s : s
        }
        return "#" + h(r) + h(g) + h(b)
    }

    /// Linear interpolation between two colours, `t` in 0...1.
    public func mixed(with other: Color, _ t: Double) -> Color {
        Color(r: r + (other.r - r) * t, g: g + (other.g - g) * t, b: b + (other.b - b) * t)
    }

    public static let white = Color(hex: 0xFFFFFF)
    public static let black = Color(hex: 0x000000)
    public static let text = Color(hex: 0x222222)
    public static let mutedText = Color(hex: 0x555555)
    static let grid = Color(hex: 0xE4E4E4)
    static let minorGrid = Color(hex: 0xF1F1F1)
    static let axis = Color(hex: 0x9A9A9A)
}

/// Colour-blind-safe palettes.
public enum Palette {
    /// Okabe-Ito, reordered so the first colours are the most distinct on white
    /// (yellow comes last: it is weak as a thin line).
    public static let okabeIto: [Color] = [
        0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7, 0xE69F00, 0x56B4E9, 0x000000, 0xF0E442,
    ].map { Color(hex: $0) }

    /// Paul Tol's "muted" scheme plus a dark grey: ten colours, for ten digit classes.
    public static let tolMuted10: [Color] = [
        0x332288, 0x88CCEE, 0x44AA99, 0x117733, 0x999933,
        0xDDCC77, 0xCC6677, 0x882255, 0xAA4499, 0x555555,
    ].map { Color(hex: $0) }

    /// The series colour for index `i`: Okabe-Ito up to 8 series, Tol muted for up to 10.
    public static func color(_ i: Int, of count: Int) -> Color {
        let p = count > okabeIto.count ? tolMuted10 : okabeIto
        return p[i % p.count]
    }

    /// Viridis (perceptually uniform, colour-blind safe), `t` in 0...1.
    public static func viridis(_ t: Double) -> Color {
        let stops: [UInt32] = [0x440154, 0x482878, 0x3E4A89, 0x31688E, 0x26828E,
                               0x1F9E89, 0x35B779, 0x6DCD59, 0xB4DE2C, 0xFDE725]
        let x = max(0, min(1, t.isFinite ? t : 0)) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2)
        return Color(hex: stops[i]).mixed(with: Color(hex: stops[i + 1]), x - Double(i))
    }
}
