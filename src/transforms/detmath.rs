//! Platform-independent arithmetic for the transforms.
//!
//! The standard library's `exp`, `ln`, `powf`, `sin` and `cos` call the platform's maths
//! library, whose last bit may differ between operating systems and CPUs. A single ulp is
//! enough to flip a rounded 8-bit output, so the transforms that need these functions use
//! the versions here instead: they are built only from `+ − × ÷`, `round`, `%` and bit
//! manipulation, which IEEE 754 defines exactly, so they give the same bits everywhere.
//! They are accurate to a few ulps, which is all the transforms need.
//!
//! The random numbers come from SplitMix64 (Steele, Lea & Flood 2014; the seeding generator
//! of Java's `SplittableRandom` and of xoshiro), which is integer-only and therefore
//! identical on every platform.

/// ln 2 split in two (fdlibm's constants): `LN2_HI` has trailing zero bits so `k * LN2_HI`
/// is exact for |k| < 2^11.
const LN2_HI: f64 = 6.931_471_803_691_238e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

/// `e^x`, deterministic. Returns 0 below −708 (no subnormals) and +∞ above 709.
pub(crate) fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < -708.0 {
        return 0.0;
    }
    if x > 709.0 {
        return f64::INFINITY;
    }
    // x = k·ln2 + r with |r| ≤ ln2/2, so e^x = 2^k · e^r.
    let k = (x / std::f64::consts::LN_2).round();
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Taylor series; |r| ≤ 0.35 so 20 terms are far below one ulp.
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..=20 {
        term = term * r / f64::from(n);
        sum += term;
    }
    // 2^k as an f64 built from its bits: k is in [-1022, 1023] here.
    let k = k as i64;
    let two_k = f64::from_bits(((k + 1023) as u64) << 52);
    sum * two_k
}

/// Natural logarithm of a positive finite `x`, deterministic. Returns −∞ for 0 and NaN for
/// negative or non-finite input.
pub(crate) fn ln(x: f64) -> f64 {
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_nan() || x < 0.0 || x.is_infinite() {
        return f64::NAN;
    }
    let mut x = x;
    let mut e: i64 = 0;
    if x < f64::MIN_POSITIVE {
        // Subnormal: scale into the normal range (exact, power of two).
        x *= f64::from_bits((1023 + 54) << 52);
        e -= 54;
    }
    let bits = x.to_bits();
    e += ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & ((1 << 52) - 1)) | (1023 << 52)); // in [1, 2)
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    // ln m = 2·atanh(z), z = (m−1)/(m+1), |z| ≤ 0.172: series Σ z^(2n+1)/(2n+1).
    let z = (m - 1.0) / (m + 1.0);
    let z2 = z * z;
    let mut pow = z;
    let mut sum = 0.0;
    for n in 0..20 {
        sum += pow / f64::from(2 * n + 1);
        pow *= z2;
    }
    let ef = e as f64;
    ef * LN2_HI + (ef * LN2_LO + 2.0 * sum)
}

/// `x^y` for `x ≥ 0` and finite `y`, deterministic (`0^y = 0` for `y > 0`, `x^0 = 1`).
pub(crate) fn pow(x: f64, y: f64) -> f64 {
    if y == 0.0 || x == 1.0 {
        return 1.0;
    }
    if x == 0.0 {
        return if y > 0.0 { 0.0 } else { f64::INFINITY };
    }
    exp(y * ln(x))
}

/// `(sin θ, cos θ)` for an angle in **degrees**, deterministic. Multiples of 90° give
/// exact 0 and ±1.
pub(crate) fn sin_cos_degrees(degrees: f64) -> (f64, f64) {
    // Reduce to (−180, 180]; `%` on floats is exact.
    let mut d = degrees % 360.0;
    if d > 180.0 {
        d -= 360.0;
    } else if d <= -180.0 {
        d += 360.0;
    }
    if d == 0.0 {
        return (0.0, 1.0);
    } else if d == 90.0 {
        return (1.0, 0.0);
    } else if d == -90.0 {
        return (-1.0, 0.0);
    } else if d == 180.0 {
        return (0.0, -1.0);
    }
    let x = d * (std::f64::consts::PI / 180.0);
    let x2 = x * x;
    // Taylor series; |x| ≤ π so 30 terms of each are far below one ulp.
    let mut s_term = x;
    let mut c_term = 1.0;
    let mut s = x;
    let mut c = 1.0;
    for n in 1..30 {
        let n = f64::from(n);
        s_term = -s_term * x2 / ((2.0 * n) * (2.0 * n + 1.0));
        c_term = -c_term * x2 / ((2.0 * n - 1.0) * (2.0 * n));
        s += s_term;
        c += c_term;
    }
    (s, c)
}

/// SplitMix64: a 64-bit-state, integer-only pseudo-random generator.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator whose first output is SplitMix64's first output for `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// An approximately standard-normal integer draw, scaled by 65536: the sum of twelve
    /// independent uniform 16-bit integers (three 64-bit outputs, each split into four
    /// 16-bit fields, low field first) minus its mean 12 · 32767.5 = 393210.
    ///
    /// By the Irwin–Hall construction the result has mean 0 and standard deviation
    /// 65536 · √(1 − 2⁻³²) ≈ 65536, and is bounded by ±6 standard deviations.
    pub(crate) fn normal_q16(&mut self) -> i64 {
        let mut sum: i64 = 0;
        for _ in 0..3 {
            let v = self.next_u64();
            for k in 0..4 {
                sum += ((v >> (16 * k)) & 0xffff) as i64;
            }
        }
        sum - 393_210
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn exp_ln_pow_match_std() {
        for &x in &[-700.0, -20.5, -3.0, -0.5, -1e-9, 0.0, 1e-9, 0.3, 1.0, 2.5, 10.0, 300.0] {
            assert!(close(exp(x), x.exp(), 1e-14), "exp({x}) = {} vs {}", exp(x), x.exp());
        }
        assert_eq!(LN2_HI.to_bits(), 0x3FE6_2E42_FEE0_0000);
        assert_eq!(LN2_LO.to_bits(), 0x3DEA_39EF_3579_3C76);
        for &x in &[1e-310, 1e-5, 0.1, 0.5, 0.999, 1.0, 1.5, 2.0, 1e10, 1e300] {
            let l = ln(x);
            assert!((l - x.ln()).abs() <= 1e-14 * x.ln().abs().max(1.0), "ln({x}) = {l}");
        }
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(exp(0.0), 1.0);
        for &(x, y) in &[(0.5, 2.0), (0.25, 0.5), (0.9, 2.2), (0.01, 0.45), (0.7, 3.0)] {
            assert!(close(pow(x, y), f64::powf(x, y), 1e-14), "pow({x},{y})");
        }
        assert_eq!(pow(0.0, 2.0), 0.0);
        assert_eq!(pow(1.0, 0.37), 1.0);
    }

    #[test]
    fn sin_cos_match_std() {
        for &d in &[-359.0, -181.0, -45.0, -4.0, 0.5, 4.0, 30.0, 89.9, 135.0, 270.0, 725.0] {
            let (s, c) = sin_cos_degrees(d);
            let r = f64::to_radians(d);
            assert!((s - r.sin()).abs() < 1e-14 && (c - r.cos()).abs() < 1e-14, "{d}: {s} {c}");
        }
        assert_eq!(sin_cos_degrees(90.0), (1.0, 0.0));
        assert_eq!(sin_cos_degrees(-270.0), (1.0, 0.0));
        assert_eq!(sin_cos_degrees(540.0), (0.0, -1.0));
    }

    #[test]
    fn splitmix_known_values_and_normal_moments() {
        // Reference outputs of SplitMix64 for seed 0 (as in the xoshiro authors' C code).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let mut r = SplitMix64::new(42);
        let n = 20_000;
        let draws: Vec<f64> = (0..n).map(|_| r.normal_q16() as f64 / 65536.0).collect();
        let mean = draws.iter().sum::<f64>() / f64::from(n);
        let var = draws.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / f64::from(n);
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "var {var}");
    }
}
