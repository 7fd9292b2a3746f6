// The Gaussian latent, made discrete so it can be coded.
//
// Each latent dimension's real line is cut into K = 2^bits buckets of equal mass under the
// prior N(0, 1): the edges are the prior's quantiles e_k = Phi^-1(k / K), and a bucket stands
// for its centre (the quantile at (k + 1/2) / K). Under the prior every bucket then has
// probability exactly 1/K, coded with `bits` raw bits. Under the posterior q(z_j|x) =
// N(mu, sigma^2) bucket k has probability Phi((e_{k+1} - mu)/sigma) - Phi((e_k - mu)/sigma).
//
// The coder needs that distribution as integer frequencies out of 2^precision, and the
// decoder must find the same bucket from a slot that the encoder pushed it with. So the CDF is
// made integer once per dimension: a table C[0...K] with C[0] = 0, C[K] = 2^precision, and
//     C[k] = F[k] + k,   F[k] = floor(Phi((e_k - mu)/sigma) * (2^precision - K))
// (F made non-decreasing, so every bucket gets at least frequency 1). Push uses C[k] and
// C[k+1]; pop finds k with C[k] <= slot < C[k+1] by binary search in the same table. Both sides
// compute the table from the same floats with the same operations, and the search is over
// integers: CDF and inverse agree exactly, whatever rounding the erfc did. (A float CDF and
// a float inverse CDF are not exact inverses; public implementations hit rare mismatches there.)

import Foundation

/// The prior's standard normal CDF, Phi(t), in double precision.
@inline(__always)
public func standardNormalCDF(_ t: Double) -> Double { 0.5 * erfc(-t / 2.squareRoot()) }

/// Phi^-1(p): Acklam's rational approximation refined by one Halley step on erfc
/// (relative error about 1e-15; only used to place the bucket edges, once).
public func standardNormalQuantile(_ p: Double) -> Double {
    precondition(p > 0 && p < 1, "quantile of \(p)")
    let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
    let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    let lo = 0.02425
    var x: Double
    if p < lo {
        let q = (-2 * log(p)).squareRoot()
        x = (((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q+c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q+1)
    } else if p <= 1 - lo {
        let q = p - 0.5, r = q * q
        x = (((((a[0]*r+a[1])*r+a[2])*r+a[3])*r+a[4])*r+a[5])*q / (((((b[0]*r+b[1])*r+b[2])*r+b[3])*r+b[4])*r+1)
    } else {
        let q = (-2 * log(1 - p)).squareRoot()
        x = -(((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q+c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q+1)
    }
    let e = standardNormalCDF(x) - p
    let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
    x -= u / (1 + x * u / 2)
    return x
}

/// The K = 2^bits equal-prior-mass buckets of one latent dimension.
public struct LatentBuckets: Sendable {
    public let bits: Int
    /// Precision of the posterior's integer CDF (bits), at least bits + 8.
    public let precision: Int
    /// K + 1 edges; edges[0] = -inf, edges[K] = +inf.
    public let edges: [Double]
    /// The value each bucket stands for: the prior quantile at (k + 1/2) / K.
    public let centres: [Float]

    public var count: Int { 1 << bits }

    public init(bits: Int = 12, precision: Int = 24) {
        precondition(bits >= 1 && bits <= 16 && precision >= bits + 8 && precision <= 31)
        self.bits = bits; self.precision = precision
        let k = 1 << bits
        edges = [-Double.infinity] + (1..<k).map { standardNormalQuantile(Double($0) / Double(k)) } + [Double.infinity]
        centres = (0..<k).map { Float(standardNormalQuantile((Double($0) + 0.5) / Double(k))) }
    }

    /// The bucket that holds z (edges[k] <= z < edges[k+1]).
    public func bucket(of z: Double) -> Int {
        var lo = 0, hi = count        // edges[lo] <= z < edges[hi]
        while hi - lo > 1 {
            let mid = (lo + hi) >> 1
            if edges[mid] <= z { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// Push bucket k under the prior: every bucket has frequency 1 out of 2^bits.
    public func pushPrior(_ k: Int, into m: inout ANSMessage) {
        m.pushUniform(UInt32(k), bits: bits)
    }

    public func popPrior(from m: inout ANSMessage) throws -> Int {
        Int(try m.popUniform(bits: bits))
    }
}

/// One posterior dimension N(mu, sigma^2) over the buckets, as an integer CDF table.
public struct PosteriorCDF {
    /// C[0...K]: C[0] = 0, C[K] = 2^precision, C[k+1] - C[k] >= 1.
    public let table: [UInt32]
    public let precision: Int

    /// Standardised edges beyond this are Phi = 0 or 1 exactly in double; erfc is skipped there.
    static let cut = 9.0

    public init(mu: Double, sigma: Double, buckets: LatentBuckets) {
        let k = buckets.count
        precision = buckets.precision
        self.mu = mu; self.sigma = sigma
        let top = UInt32((1 << precision) - k)      // what is shared out beyond the floor of 1 each
        let mass = Double(top)
        var c = [UInt32](repeating: 0, count: k + 1)
        var f: UInt32 = 0
        for i in 1..<k {
            let t = (buckets.edges[i] - mu) / sigma
            let v: UInt32
            if t <= -PosteriorCDF.cut || t.isNaN { v = 0 }
            else if t >= PosteriorCDF.cut { v = top }
            else { v = UInt32(min(max((standardNormalCDF(t) * mass).rounded(.down), 0), mass)) }
            f = max(f, v)
            c[i] = f + UInt32(i)
        }
        c[k] = UInt32(1 << precision)
        table = c
    }

    public var count: Int { table.count - 1 }

    public let mu: Double, sigma: Double

    /// q's mass in bucket k in double precision, before quantisation (for the code-length accounting).
    public func probability(_ k: Int, buckets: LatentBuckets) -> Double {
        buckets.mass(k, mu: mu, sigma: sigma)
    }

    /// Frequency of bucket k out of 2^precision.
    public func frequency(_ k: Int) -> UInt32 { table[k + 1] - table[k] }

    // @cell bucket-push-pop
    /// Push bucket k: its range is [C[k], C[k+1]).
    public func push(_ k: Int, into m: inout ANSMessage) {
        m.push(start: table[k], freq: table[k + 1] - table[k], precision: precision)
    }

    /// Pop a bucket: find k with C[k] <= slot < C[k+1] by binary search over the integers.
    public func pop(from m: inout ANSMessage) throws -> Int {
        let slot = m.peek(precision: precision)
        var lo = 0, hi = count            // C[lo] <= slot < C[hi]
        while hi - lo > 1 {
            let mid = (lo + hi) >> 1
            if table[mid] <= slot { lo = mid } else { hi = mid }
        }
        try m.pop(start: table[lo], freq: table[lo + 1] - table[lo], precision: precision)
        return lo
    }
    // @end
}

extension LatentBuckets {
    /// The mass of N(mu, sigma^2) in bucket k in double precision (never 0, so its log is finite).
    public func mass(_ k: Int, mu: Double, sigma: Double) -> Double {
        let hi = k + 1 >= count ? 1 : standardNormalCDF((edges[k + 1] - mu) / sigma)
        let lo = k == 0 ? 0 : standardNormalCDF((edges[k] - mu) / sigma)
        return max(hi - lo, Double.leastNonzeroMagnitude)
    }

    /// The bucket probabilities of N(mu, sigma^2) in double precision (no quantisation).
    public func probabilities(mu: Double, sigma: Double) -> [Double] {
        var cdf = [Double](repeating: 0, count: count + 1)
        cdf[count] = 1
        for i in 1..<count { cdf[i] = standardNormalCDF((edges[i] - mu) / sigma) }
        return (0..<count).map { max(cdf[$0 + 1] - cdf[$0], 0) }
    }

    /// KL(Q || uniform) in nats for the discretised posterior Q of N(mu, sigma^2):
    /// log K - H[Q], the rate the discretised code pays for this dimension.
    public func discreteKL(mu: Double, sigma: Double) -> Double {
        let logK = Double(bits) * log(2.0)
        return probabilities(mu: mu, sigma: sigma).reduce(0) { $1 > 0 ? $0 + $1 * (log($1) + logK) : $0 }
    }
}
