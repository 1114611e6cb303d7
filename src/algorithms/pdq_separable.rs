//! PDQ's blur and decimation (steps 2 and 3 of [`super::pdq`]) as two small matrix
//! products: the fast path's PDQ (`HasherConfig::fast_decode`).
//!
//! In exact arithmetic the Jarosz filter — a box filter along the rows, then down the
//! columns, twice — followed by keeping 64 of the rows and 64 of the columns is a linear map
//! that works on the two axes separately. Along one axis of `n` values, output `i` is a fixed
//! weighted sum of the inputs near the kept position `k = ⌊(i + ½) n / 64⌋`: the box filter
//! applied twice to a single 1 at `k` spreads it into a tent of `2 · window − 1` weights
//! (narrower, and renormalised, near the ends, where the box averages fewer values). So the
//! 64 × 64 result is `A · X · Cᵀ`, with `X` the `h × w` luma, row `i` of `A` the tent weights
//! of output row `i` along the columns and row `j` of `C` those of output column `j` along the
//! rows ([`AxisTaps`]). Computed that way it reads each input row once
//! (`blur_and_decimate_separable`): about `2 · window − 1` multiply-adds per input value
//! for `Z = A · X`, none of the four full-image passes of running sums, then 64 × 64 short
//! dot products for `Z · Cᵀ`.
//!
//! **Not bit-exact.** Meta's reference computes the same map with running sums in `f32`,
//! whose rounding accumulates along each line; these weights are computed in `f64` and
//! applied in `f32` in another order. The 64 × 64 values differ in their last bits (a few
//! millionths of a grey level), which can move a DCT coefficient across the median only when
//! it is that close to it. The exact path never uses this; the fast path, which already hashes
//! the decoder's luma instead of the reference's, does, and its measured agreement with the
//! exact path is in the book's Throughput page.

use super::pdq::{decimation_index, jarosz_window, Downsampled, DOWNSAMPLED_SIDE, JAROSZ_PASSES};

/// The weights of the 64 outputs along one axis of `n` values: output `i` is
/// `Σₜ weights[i][t] · x[first[i] + t]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AxisTaps {
    /// Number of inputs along the axis.
    pub n: usize,
    /// Index of the first input each output reads.
    pub first: [usize; DOWNSAMPLED_SIDE],
    /// Each output's weights, from `first[i]` on (all the same length, zero-padded).
    pub weights: Vec<[f32; DOWNSAMPLED_SIDE]>,
}

impl AxisTaps {
    /// The taps of [`JAROSZ_PASSES`] box filters of PDQ's window for `n` values
    /// ([`jarosz_window`]) followed by decimation to 64, computed in `f64`. The box filter
    /// is the reference's (`box_filter_line` in `pdq.rs`): output `o` is the mean of inputs
    /// `max(o + half − window, 0) .. min(o + half, n)`, `half = (window + 2) / 2` — a matrix
    /// `B` whose row `o` holds `1 / count` over that range. Output `i` keeps position `k`,
    /// so its weights are row `k` of `B · B`: row `k` of `B`, each of its entries `v` at `m`
    /// replaced by `v` times row `m` of `B`.
    pub fn new(n: usize) -> AxisTaps {
        assert!(n >= 1, "an axis of zero values has no taps");
        let window = jarosz_window(n, DOWNSAMPLED_SIDE).clamp(1, n);
        let half = (window + 2) / 2;
        let range = |o: usize| ((o + half).saturating_sub(window), (o + half).min(n));
        let mut rows: Vec<(usize, Vec<f64>)> = Vec::with_capacity(DOWNSAMPLED_SIDE);
        for i in 0..DOWNSAMPLED_SIDE {
            // Row k of B^passes: start from the unit row at k, and replace each weight v at
            // m by v spread evenly over m's averaging range (v times row m of B), per pass.
            let k = decimation_index(i, n);
            let (mut lo, mut v) = (k, vec![1.0f64]);
            for _ in 0..JAROSZ_PASSES {
                let new_lo = range(lo).0;
                let new_hi = range(lo + v.len() - 1).1;
                let mut next = vec![0.0f64; new_hi - new_lo];
                for (t, &x) in v.iter().enumerate() {
                    let (a, b) = range(lo + t);
                    let share = x / (b - a) as f64;
                    next[a - new_lo..b - new_lo].iter_mut().for_each(|y| *y += share);
                }
                (lo, v) = (new_lo, next);
            }
            rows.push((lo, v));
        }
        let len = rows.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
        let mut weights = vec![[0.0f32; DOWNSAMPLED_SIDE]; len];
        let mut first = [0usize; DOWNSAMPLED_SIDE];
        for (i, (lo, v)) in rows.into_iter().enumerate() {
            // Outputs near the far end may need their window moved left to fit `len` taps.
            let start = lo.min(n - len.min(n));
            first[i] = start;
            for (t, x) in v.into_iter().enumerate() {
                weights[lo - start + t][i] = x as f32;
            }
        }
        AxisTaps { n, first, weights }
    }

    /// Number of taps per output.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Whether there are no taps (never, for `n ≥ 1`).
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }
}

/// Steps 2–3 by matrix products: `out = A · X · Cᵀ` with `a = AxisTaps::new(h)` and
/// `c = AxisTaps::new(w)` for an `h × w` luma image. `row(r, line)` writes row `r` of the luma
/// (`w` values) into `line`; every row is asked for once, in order, and only if some output
/// reads it. `z` is working memory (`64 × w`), `line` one row.
#[inline(always)]
pub(crate) fn blur_and_decimate_separable(
    a: &AxisTaps,
    c: &AxisTaps,
    mut row: impl FnMut(usize, &mut [f32]),
    z: &mut Vec<f32>,
    line: &mut Vec<f32>,
    out: &mut Downsampled,
) {
    let (h, w) = (a.n, c.n);
    z.clear();
    z.resize(DOWNSAMPLED_SIDE * w, 0.0);
    line.clear();
    line.resize(w, 0.0);
    // Z = A · X: each input row, once, into the output rows whose taps cover it.
    let mut from = 0;
    for r in 0..h {
        while from < DOWNSAMPLED_SIDE && a.first[from] + a.len() <= r {
            from += 1;
        }
        let readers = (from..DOWNSAMPLED_SIDE).take_while(|&i| a.first[i] <= r);
        let mut readers = readers.peekable();
        if readers.peek().is_none() {
            continue;
        }
        row(r, line);
        for i in readers {
            let weight = a.weights[r - a.first[i]][i];
            if weight != 0.0 {
                let zi = &mut z[i * w..(i + 1) * w];
                zi.iter_mut().zip(line.iter()).for_each(|(z, &x)| *z += weight * x);
            }
        }
    }
    // out = Z · Cᵀ: 64 × 64 dot products of `c.len()` taps.
    for (i, out_row) in out.iter_mut().enumerate() {
        let zi = &z[i * w..(i + 1) * w];
        for (j, o) in out_row.iter_mut().enumerate() {
            let xs = &zi[c.first[j]..c.first[j] + c.len()];
            *o = xs.iter().zip(&c.weights).map(|(&x, wt)| x * wt[j]).sum();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algorithms::pdq::box_filter_line;

    /// The taps are the box filter applied twice and decimated, computed another way: by
    /// filtering each unit vector with the reference's line filter (in `f32`, so compared
    /// to within its rounding).
    #[test]
    fn taps_are_the_twice_filtered_unit_vectors() {
        for n in [1, 2, 5, 63, 64, 65, 127, 128, 129, 300, 341, 512, 1000, 2047] {
            let taps = AxisTaps::new(n);
            let window = jarosz_window(n, DOWNSAMPLED_SIDE).clamp(1, n);
            for m in 0..n {
                let mut x = vec![0.0f32; n];
                x[m] = 1.0;
                let mut y = vec![0.0f32; n];
                for _ in 0..JAROSZ_PASSES {
                    box_filter_line(&x, &mut y, window);
                    std::mem::swap(&mut x, &mut y);
                }
                for i in 0..DOWNSAMPLED_SIDE {
                    let want = x[decimation_index(i, n)];
                    let t = m.wrapping_sub(taps.first[i]);
                    let got = if t < taps.len() { taps.weights[t][i] } else { 0.0 };
                    assert!((got - want).abs() <= 1e-6, "n {n}, input {m}, output {i}");
                }
            }
        }
    }

    /// The matrix products give the reference blur's values to within its `f32` rounding
    /// (checked against the bit-exact blur on noise, greyscale and RGB, at sizes from the
    /// smallest PDQ hashes to windows of 9), and the taps are not off by one: a tap moved by
    /// one pixel changes the values of noise by far more than the bound.
    #[test]
    fn matches_the_reference_blur_within_rounding() {
        use crate::algorithms::pdq::PdqHasher;
        let mut rng = crate::transforms::detmath::SplitMix64::new(0xD1B5_4A32_D192_ED03);
        let mut hasher = PdqHasher::new();
        let mut worst = 0.0f32;
        for (w, h) in [
            (5, 5),
            (7, 13),
            (64, 65),
            (129, 128),
            (300, 7),
            (512, 341),
            (517, 389),
            (1000, 260),
            (260, 1100),
        ] {
            let gray: Vec<u8> = (0..w * h).map(|_| (rng.next_u64() >> 56) as u8).collect();
            let rgb: Vec<u8> = (0..3 * w * h).map(|_| (rng.next_u64() >> 56) as u8).collect();
            for (pixels, is_rgb) in [(&gray, false), (&rgb, true)] {
                let exact = hasher.downsampled_for_tests(pixels, is_rgb, (w, h), false);
                let fast = hasher.downsampled_for_tests(pixels, is_rgb, (w, h), true);
                for (a, b) in exact.iter().flatten().zip(fast.iter().flatten()) {
                    let err = (a - b).abs();
                    worst = worst.max(err);
                    assert!(err <= 1e-3, "{w}×{h} RGB {is_rgb}: {a} against {b}");
                }
            }
        }
        assert!(worst > 0.0, "suspiciously bit-exact: is the separable path being run?");
    }
}
