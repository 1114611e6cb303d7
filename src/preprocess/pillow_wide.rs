//! AVX2 forms of Pillow's RGB → L conversion and of the horizontal pass of its resampler
//! ([`super::pillow`]). Same bytes as the portable loops (tested against them), measured
//! faster (docs/src/throughput.md).
//!
//! # RGB → L
//!
//! `L = (19595·R + 38470·G + 7471·B + 2¹⁵) >> 16`. `vpmaddwd` multiplies 16-bit pairs and
//! adds each pair's products; 38470 does not fit in a signed 16-bit weight, so G is used
//! twice with half its weight: `(R, G)·(19595, 19235) + (G, B)·(19235, 7471)`, exact in
//! 32 bits. A byte shuffle puts each pixel's (R, G) and (G, B) side by side.
//!
//! # Horizontal resampling
//!
//! Each output pixel is `Σ pixel·weight` over its taps, with 22-bit fixed-point weights. The
//! portable loop multiplies in 32 bits, one tap at a time. AVX2's `vpmaddwd` multiplies
//! sixteen 16-bit pairs at once and adds neighbouring products into 32 bits, but a 22-bit
//! weight does not fit in 16 bits. So each weight is split exactly:
//!
//! ```text
//! w = hi·2¹¹ + lo,   lo = w & 0x7FF ∈ [0, 2047],   hi = w >> 11 (arithmetic) ∈ [−1024, 2048]
//! Σ p·w = 2¹¹·Σ p·hi + Σ p·lo
//! ```
//!
//! Both halves fit in 16 bits, so two `vpmaddwd` per 16 taps compute the sum **exactly**; the
//! integer sum does not depend on the order of addition, hence the bytes equal the portable
//! loop's (tested on random images, sizes and filters against it).
//!
//! Layout: an output's taps are padded with zero weights to a whole number of 16-tap chunks
//! (its *window*), and a window that would run past the end of the row is moved left, its
//! weights shifted with it, so every load stays inside the row. A row narrower than the
//! widest window has no wide form; the portable loop handles it.

use super::pillow::{HALF, PRECISION_BITS};

/// The taps of one axis, re-laid as 16-tap windows of split weights.
#[derive(Debug, Clone)]
pub(crate) struct WideTaps {
    /// Per output pixel: first input index of its window, number of 16-tap chunks, and where
    /// its weights start in [`weights`](Self::weights).
    windows: Vec<(usize, usize, usize)>,
    /// Per chunk, 16 `hi` weights then 16 `lo` weights.
    weights: Vec<i16>,
}

impl WideTaps {
    /// Re-lays `bounds` (first input index, number of taps per output) with the fixed-point
    /// weights `fixed` (rows of `ksize`); `None` when a window does not fit in `in_size`.
    pub(crate) fn new(
        in_size: usize,
        bounds: &[(usize, usize)],
        fixed: &[i32],
        ksize: usize,
    ) -> Option<WideTaps> {
        let mut windows = Vec::with_capacity(bounds.len());
        let mut weights = Vec::new();
        for (i, &(start, n)) in bounds.iter().enumerate() {
            let chunks = n.div_ceil(16).max(1);
            let span = chunks * 16;
            if span > in_size {
                return None;
            }
            let window = start.min(in_size - span);
            let shift = start - window;
            let mut padded = vec![0i32; span];
            padded[shift..shift + n].copy_from_slice(&fixed[i * ksize..i * ksize + n]);
            windows.push((window, chunks, weights.len()));
            for chunk in padded.chunks_exact(16) {
                // `>> 11` is arithmetic on i32; |w| ≤ 2²² + 2²¹, so hi fits in i16.
                weights.extend(chunk.iter().map(|&w| (w >> 11) as i16));
                weights.extend(chunk.iter().map(|&w| (w & 0x7FF) as i16));
            }
        }
        Some(WideTaps { windows, weights })
    }
}

/// Resamples rows `rows` of the `w`-wide 8-bit image `src` horizontally into `out`
/// (`taps.windows.len()` bytes per row): each output is `clamp((HALF + Σ p·w) >>
/// PRECISION_BITS)`, Pillow's rounding.
///
/// # Safety
/// The CPU must support AVX2; `taps` must have been built for `in_size == w`; `src` must hold
/// the rows and `out` exactly `rows.len()` output rows.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn horizontal_pass_avx2(
    src: &[u8],
    w: usize,
    rows: std::ops::Range<usize>,
    taps: &WideTaps,
    out: &mut [u8],
) {
    use std::arch::x86_64::*;
    let out_w = taps.windows.len();
    debug_assert_eq!(out.len(), out_w * rows.len());
    let wts = taps.weights.as_ptr();
    let half4 = _mm_set1_epi32(HALF);
    let shift4 = _mm_cvtsi32_si128(PRECISION_BITS as i32);
    // Σ p·w of output `i` of `line`, as eight partial sums.
    let sum8 = |line: *const u8, i: usize| -> __m256i {
        let (window, chunks, at) = taps.windows[i];
        let mut hi = _mm256_setzero_si256();
        let mut lo = _mm256_setzero_si256();
        for c in 0..chunks {
            // SAFETY: window + 16·chunks ≤ w (WideTaps::new), so the 16 bytes are in the
            // row; the weights hold 32 values per chunk.
            let (px, wh, wl) = unsafe {
                let px = _mm256_cvtepu8_epi16(_mm_loadu_si128(line.add(window + 16 * c).cast()));
                let wh = _mm256_loadu_si256(wts.add(at + 32 * c).cast());
                let wl = _mm256_loadu_si256(wts.add(at + 32 * c + 16).cast());
                (px, wh, wl)
            };
            hi = _mm256_add_epi32(hi, _mm256_madd_epi16(px, wh));
            lo = _mm256_add_epi32(lo, _mm256_madd_epi16(px, wl));
        }
        _mm256_add_epi32(_mm256_slli_epi32(hi, 11), lo)
    };
    // Four outputs' partial sums → their four totals, rounded, shifted and clamped to bytes
    // (the two saturating packs clamp to 0..=255 exactly like `clip8`).
    let finish = |a: __m256i, b: __m256i, c: __m256i, d: __m256i| -> i32 {
        let h = _mm256_hadd_epi32(_mm256_hadd_epi32(a, b), _mm256_hadd_epi32(c, d));
        let s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
        let v = _mm_sra_epi32(_mm_add_epi32(s, half4), shift4);
        let v = _mm_packus_epi32(v, v);
        _mm_cvtsi128_si32(_mm_packus_epi16(v, v))
    };
    for (line_out, y) in out.chunks_exact_mut(out_w).zip(rows) {
        let line = src[y * w..(y + 1) * w].as_ptr();
        let mut quads = line_out.chunks_exact_mut(4);
        let mut i = 0;
        for q in &mut quads {
            let v = finish(sum8(line, i), sum8(line, i + 1), sum8(line, i + 2), sum8(line, i + 3));
            q.copy_from_slice(&v.to_le_bytes());
            i += 4;
        }
        for px in quads.into_remainder() {
            let z = _mm256_setzero_si256();
            *px = finish(sum8(line, i), z, z, z).to_le_bytes()[0];
            i += 1;
        }
    }
}

/// Pillow's RGB → L on interleaved `rgb`, into `out` (one byte per pixel), 16 pixels at a
/// time; returns how many pixels were converted (the caller converts the rest, fewer than
/// 18).
///
/// # Safety
/// The CPU must support AVX2; `out.len() == rgb.len() / 3`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn rgb_to_l_avx2(rgb: &[u8], out: &mut [u8]) -> usize {
    use std::arch::x86_64::*;
    debug_assert_eq!(out.len(), rgb.len() / 3);
    // Per 128-bit lane, four pixels (12 bytes): (R, G) and (G, B) as 16-bit pairs.
    let rg = _mm256_broadcastsi128_si256(_mm_setr_epi8(
        0, -1, 1, -1, 3, -1, 4, -1, 6, -1, 7, -1, 9, -1, 10, -1,
    ));
    let gb = _mm256_broadcastsi128_si256(_mm_setr_epi8(
        1, -1, 2, -1, 4, -1, 5, -1, 7, -1, 8, -1, 10, -1, 11, -1,
    ));
    let w_rg = _mm256_set1_epi32((19235 << 16) | 19595);
    let w_gb = _mm256_set1_epi32((7471 << 16) | 19235);
    let round = _mm256_set1_epi32(0x8000);
    let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    let p = rgb.as_ptr();
    // Eight pixels starting at byte `at`: the second lane loads from byte `at + 12`, so the
    // last load ends at byte `at + 28`.
    let luma8 = |at: usize| -> __m256i {
        // SAFETY: the loop below keeps `at + 28 ≤ rgb.len()`.
        let v = unsafe {
            _mm256_inserti128_si256(
                _mm256_castsi128_si256(_mm_loadu_si128(p.add(at).cast())),
                _mm_loadu_si128(p.add(at + 12).cast()),
                1,
            )
        };
        let sum = _mm256_add_epi32(
            _mm256_madd_epi16(_mm256_shuffle_epi8(v, rg), w_rg),
            _mm256_madd_epi16(_mm256_shuffle_epi8(v, gb), w_gb),
        );
        _mm256_srli_epi32(_mm256_add_epi32(sum, round), 16)
    };
    let mut i = 0; // pixels done
    while 3 * i + 24 + 28 <= rgb.len() {
        // Lane 0 of the packed bytes holds pixels 0–3 and 8–11, lane 1 pixels 4–7 and
        // 12–15 (four bytes each); the permutation puts them in order.
        let a = luma8(3 * i);
        let b = luma8(3 * i + 24);
        let words = _mm256_packus_epi32(a, b);
        let bytes = _mm256_packus_epi16(words, words);
        let sorted = _mm256_permutevar8x32_epi32(bytes, order);
        // SAFETY: `i + 16 ≤ out.len()`, since 3·(i + 16) + 4 ≤ rgb.len().
        unsafe { _mm_storeu_si128(out.as_mut_ptr().add(i).cast(), _mm256_castsi256_si128(sorted)) };
        i += 16;
    }
    i
}
