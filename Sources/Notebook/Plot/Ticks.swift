import Foundation

/// Axis tick positions: "nice" numbers by the 1-2-5 rule, and decades for log axes.
public enum Ticks {
    /// The 1-2-5 number nearest to `rough` (e.g. 0.37 -> 0.5, 2.1 -> 2, 7 -> 10).
    public static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let p = pow(10, floor(log10(rough)))
        let f = rough / p
        let m: Double = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10
        return m * p
    }

    /// A tick step giving about `count` intervals over lo...hi.
    public static func step(_ lo: Double, _ hi: Double, count: Int = 5) -> Double {
        niceStep(abs(hi - lo) / Double(max(1, count)))
    }

    /// lo...hi widened outward to multiples of the nice step (and made non-empty).
    public static func niceDomain(_ lo: Double, _ hi: Double, count: Int = 5) -> (Double, Double) {
        var (a, b) = (min(lo, hi), max(lo, hi))
        if !a.isFinite || !b.isFinite { return (0, 1) }
        if a == b { let d = a == 0 ? 1 : abs(a) * 0.1; a -= d; b += d }
        let s = step(a, b, count: count)
        return (clean(floor(a / s + 1e-9) * s, s), clean(ceil(b / s - 1e-9) * s, s))
    }

    /// Tick values at multiples of the nice step inside lo...hi.
    public static func linear(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        let (a, b) = (min(lo, hi), max(lo, hi))
        guard a.isFinite, b.isFinite, b > a else { return a.isFinite ? [a] : [] }
        let s = step(a, b, count: count)
        var out: [Double] = []
        var i = ceil(a / s - 1e-9)
        while i * s <= b + s * 1e-9 && out.count < 1000 {
            out.append(clean(i * s, s)); i += 1
        }
        return out
    }

    /// Major ticks of a log10 axis over lo...hi (lo > 0): the powers of ten, plus 2x and 5x
    /// when the range spans fewer than two decades.
    public static func log(_ lo: Double, _ hi: Double) -> [Double] {
        guard lo > 0, hi > lo else { return lo > 0 ? [lo] : [] }
        let e0 = Int(floor(log10(lo) + 1e-9)), e1 = Int(ceil(log10(hi) - 1e-9))
        let multipliers: [Double] = (e1 - e0) <= 2 ? [1, 2, 5] : [1]
        var out: [Double] = []
        for e in e0...e1 {
            for m in multipliers {
                let v = m * pow(10, Double(e))
                if v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) { out.append(v) }
            }
        }
        return out
    }

    /// Minor grid positions of a log axis: 2...9 times each power of ten.
    public static func logMinor(_ lo: Double, _ hi: Double) -> [Double] {
        guard lo > 0, hi > lo else { return [] }
        let e0 = Int(floor(log10(lo))), e1 = Int(ceil(log10(hi)))
        var out: [Double] = []
        for e in e0...e1 {
            for m in 2...9 {
                let v = Double(m) * pow(10, Double(e))
                if v > lo && v < hi { out.append(v) }
            }
        }
        return out
    }

    /// A label for tick `v` on an axis whose step is `step`: just enough decimals,
    /// a real minus sign, and 10ⁿ style for very large or small magnitudes.
    public static func label(_ v: Double, step: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e6 || a < 1e-4 { return scientific(v) }
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        let s = String(format: "%.\(min(decimals, 6))f", a)
        return (v < 0 ? "\u{2212}" : "") + s
    }

    /// A label for a log-axis tick.
    public static func logLabel(_ v: Double) -> String {
        let e = log10(v)
        if abs(e - e.rounded()) < 1e-9 && (v >= 1e5 || v < 1e-3) { return scientific(v) }
        return label(v, step: pow(10, floor(e)))
    }

    static func scientific(_ v: Double) -> String {
        let e = Int(floor(log10(abs(v)) + 1e-9))
        let m = v / pow(10, Double(e))
        let sup = superscript(e)
        if abs(m - 1) < 1e-9 { return "10" + sup }
        if abs(m + 1) < 1e-9 { return "\u{2212}10" + sup }
        return String(format: "%g", m).replacingOccurrences(of: "-", with: "\u{2212}") + "\u{00D7}10" + sup
    }

    static func superscript(_ n: Int) -> String {
        let digits = Array("⁰¹²³⁴⁵⁶⁷⁸⁹")
        let body = String(abs(n)).map { digits[Int(String($0))!] }
        return (n < 0 ? "⁻" : "") + String(body)
    }

    /// Rounds away floating-point dust (0.30000000000000004 -> 0.3).
    static func clean(_ v: Double, _ step: Double) -> Double {
        let digits = max(0, -Int(floor(log10(step))) + 2)
        let p = pow(10, Double(min(digits, 12)))
        return (v * p).rounded() / p
    }
}
