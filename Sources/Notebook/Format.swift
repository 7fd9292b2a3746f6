import Foundation

/// Number formatting shared by tables, cards and charts.
public enum Format {
    /// `digits` decimals, thousands grouped with a thin space, a real minus sign;
    /// very large or small magnitudes in scientific notation. NaN and infinities as "—" / "∞".
    public static func number(_ x: Double, digits: Int = 2) -> String {
        if x.isNaN { return "—" }
        if x.isInfinite { return x > 0 ? "∞" : "\u{2212}∞" }
        let a = abs(x)
        if a != 0 && (a >= 1e12 || a < pow(10, Double(-max(digits, 1))) / 2) {
            return Ticks.scientific(x)
        }
        var s = String(format: "%.\(max(0, digits))f", a)
        // Group the integer part: 12345.6 -> 12 345.6
        let parts = s.split(separator: ".", maxSplits: 1).map(String.init)
        var intPart = parts[0]
        if intPart.count > 4 {
            var grouped = ""
            for (i, ch) in intPart.reversed().enumerated() {
                if i > 0 && i % 3 == 0 { grouped.append("\u{2009}") }
                grouped.append(ch)
            }
            intPart = String(grouped.reversed())
        }
        s = parts.count > 1 ? intPart + "." + parts[1] : intPart
        let zero = Double(String(format: "%.\(max(0, digits))f", a)) == 0
        return (x < 0 && !zero ? "\u{2212}" : "") + s
    }

    /// A duration as "42 s", "3 min 5 s" or "1 h 12 min".
    public static func duration(_ seconds: Double) -> String {
        if !seconds.isFinite || seconds < 0 { return "—" }
        if seconds < 10 { return String(format: "%.1f s", seconds) }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h \((s % 3600) / 60) min"
    }
}
