//! PDQ: Meta's 256-bit perceptual hash, reproduced bit for bit.
//!
//! # The idea
//!
//! Two pictures that *look* the same (re-encoded, resized, slightly recoloured) should get
//! hashes that differ in few bits, while unrelated pictures should differ in about half of
//! their 256 bits. PDQ gets there by throwing away everything a viewer does not notice: colour,
//! fine detail and absolute brightness. What is left is the coarse layout of light and dark,
//! described by 256 low-frequency cosine patterns; each bit says whether the image contains
//! more or less of one pattern than the median pattern does.
//!
//! # The steps
//!
//! 1. **Luma** ([`rgb_to_pdq_luma`]). Colour becomes brightness,
//!    `Y = 0.299 R + 0.587 G + 0.114 B`, one `f32` per pixel. The Python package the reference
//!    hashes come from computes this in NumPy `f64` and rounds once to `f32`; so do we. (Meta's
//!    C++ helper for RGB uses `f32` coefficients instead and can differ in the last bit.)
//! 2. **Blur** (Jarosz tent filter). Each row, then each column, is replaced by a running mean
//!    over a window of `ceil(side / 128)` pixels; the row+column pair is done twice. Two box
//!    filters in a row make a tent (triangle) filter whose total reach is about `side / 64`:
//!    exactly one cell of the 64×64 grid of step 3. This is what keeps step 3 from aliasing:
//!    every grid cell summarises its whole neighbourhood, not one lucky pixel. A running sum
//!    makes the cost independent of the window: O(width × height) whatever the image size.
//! 3. **Decimate to 64×64**. Keep the blurred pixel nearest to the centre of each of the
//!    64×64 cells: row `floor((i + 0.5) · height / 64)`, column `floor((j + 0.5) · width / 64)`.
//!    An image that is already 64×64 skips steps 2 and 3 (the reference does, except in
//!    dihedral mode, see [`pdq_dihedral_from_luma`]).
//! 4. **Quality** ([`quality_from_downsampled`]). Sum over all neighbouring pairs of the 64×64
//!    grid of `trunc((u - v) · 100 / 255)` in absolute value, divide by 90 (integer division),
//!    cap at 100. Flat or nearly flat images score low: their hashes are mostly noise, and
//!    Meta's guidance is to ignore hashes with quality below 50.
//! 5. **DCT** ([`dct_64_to_16`]). The 2-D discrete cosine transform says how much of each
//!    cosine pattern the 64×64 image contains. Only frequencies 1..=16 along each axis are
//!    kept: frequency 0 (the DC row and column: overall brightness, and patterns that vary along
//!    one axis only) is dropped, higher ones are fine detail. With the 16×64 matrix
//!    `D[k][n] = sqrt(2/64) · cos(π/128 · (k + 1) · (2n + 1))` the result is `D · A · Dᵀ`,
//!    two small matrix products.
//! 6. **Median** ([`torben_median`]) of the 256 coefficients, by Torben Mogensen's
//!    selection-without-sorting algorithm, which returns the 128th smallest value.
//! 7. **Bits** ([`dct_to_bits`]). Bit set ⇔ coefficient `>` median (strictly). Comparing with
//!    the median splits the bits half and half (128 set, unless coefficients tie), so each hash
//!    carries as much information as 256 bits can; and like any comparison it ignores
//!    contrast: multiplying the image by a positive factor changes no bit.
//!
//! Cost: O(width × height) for luma and blur (a few additions per pixel whatever the window;
//! the last column pass runs only on the 64 columns the decimation keeps), then a constant
//! 81 920 multiply-adds for the DCT. Memory: two `f32` buffers of the image's size (the blur
//! runs between them), kept for reuse by a [`PdqHasher`].
//!
//! # Bit order
//!
//! Coefficient `(row, col)` of the 16×16 block — vertical frequency `row + 1`, horizontal
//! frequency `col + 1` — is bit number `k = row * 16 + col` of Meta's `Hash256`, and Meta
//! prints bit 255 first. In our [`Bits256`] (position 0 = most significant, see
//! [`crate::hash`]) it therefore lands at **position `p = 255 - (row * 16 + col)`**, and
//! [`Bits256::to_hex`] prints exactly Meta's `Hash256::format()` text (and the bit vector of
//! Python `pdqhash.compute`, read as one big-endian number). So the *last* hex digit holds the
//! lowest frequencies and the first digit the highest.
//!
//! # Dihedral hashes
//!
//! Reversing the pixel order along an axis multiplies the DCT coefficient of frequency `f`
//! along that axis by `(-1)^f`; transposing the image transposes the coefficient block. So the
//! hashes of all eight 90° rotations and mirror images of a picture follow from *one* DCT by
//! sign changes and a transpose ([`Dihedral::apply_to_dct`]), without re-hashing. These are
//! exact identities of the DCT. The blur and decimation before it are not perfectly
//! symmetric (an even-length window reaches one pixel further right than left, cell centres
//! are rounded down, float sums run in one direction), so hashing an actually rotated image
//! may differ in a few bits from the derived hash.
//!
//! # Reference followed
//!
//! Meta's C++ implementation in `facebook/ThreatExchange` (`pdq/cpp/hashing/pdqhashing.cpp`,
//! `pdq/cpp/downscaling/downscaling.cpp`, `pdq/cpp/hashing/torben.cpp`), as called by the
//! Python package `pdqhash` 0.2.8 (`pdqhash.compute` / `compute_dihedral`), which does **no**
//! resizing before hashing. We repeat its arithmetic: `f32` everywhere, running sums added then
//! subtracted in the same order, `f64` index arithmetic for the decimation, a DCT matrix
//! computed in `f64` and stored as `f32`, sums over `k = 0..64` in increasing order, truncating
//! integer conversions in the quality metric. Images smaller than 5 pixels on a side get the
//! all-zero hash with quality 0, as in the reference. Measured agreement with the package on
//! the fixtures: see `docs/src/algorithms/pdq.md` and `tests/golden_pdq.rs`.
//!
//! # Known weaknesses
//!
//! - **Not robust to crops, shifts or rotations** other than the eight dihedral ones (and those
//!   only via [`pdq_dihedral_from_rgb`]): the 64×64 grid is anchored to the image borders.
//! - **Blind to one-axis patterns**: dropping frequency 0 means pure horizontal or vertical
//!   gradients and stripes contribute nothing; images that differ only in such patterns can
//!   hash alike.
//! - **Low-quality gate**: flat, dark or low-contrast images produce near-random bits; their
//!   quality score is low and callers are expected to skip them (quality < 50), which also
//!   means such images are never matched at all.
//! - **Constant images**: quality 0, and the hash is rounding noise. In exact arithmetic the
//!   DCT of a flat image is zero; in `f32` the coefficients are ~1e-11 and their signs give
//!   the bits, so every grey level has its own fixed, meaningless hash (all zeros only for
//!   black). We reproduce the reference's noise bit for bit; callers should rely on quality.
//!
//! ```
//! use hashscope::algorithms::pdq::{pdq_dihedral_from_luma, pdq_from_luma, Dihedral};
//! // A 96×80 "image": an irregular pattern of bright and dark blocks.
//! let (w, h) = (96, 80);
//! let luma: Vec<f32> = (0..w * h)
//!     .map(|i| {
//!         let (x, y) = (i % w, i / w);
//!         if (x / 12 + y / 10 + x * y / 700) % 3 == 0 { 220.0 } else { 30.0 }
//!     })
//!     .collect();
//! let plain = pdq_from_luma(&luma, w, h).unwrap();
//! assert_eq!(plain.to_hex().len(), 64);
//! assert_eq!(plain.quality, 100); // many strong edges: a trustworthy hash
//!
//! // The same picture mirrored left-right, hashed from its pixels, is recognised by the
//! // dihedral hashes of the original.
//! let (mirrored, mw, mh) = Dihedral::FlipY.apply_to_luma(&luma, w, h).unwrap();
//! let direct = pdq_from_luma(&mirrored, mw, mh).unwrap();
//! let derived = pdq_dihedral_from_luma(&luma, w, h).unwrap();
//! assert_eq!(direct.distance(&derived[5]), 0); // index 5 is FlipY
//! assert!(direct.distance(&plain) > 64); // while the plain hash does not match it
//! ```

use image::RgbImage;

use crate::error::{Error, ErrorKind, Result};
use crate::hash::{Algorithm, Bits256, ImageHash};

/// Side of the downsampled image the DCT is taken of.
pub const DOWNSAMPLED_SIDE: usize = 64;
/// Side of the kept block of DCT coefficients (frequencies 1..=16).
pub const DCT_SIDE: usize = 16;
/// Images with a side shorter than this get the all-zero hash and quality 0 (as the reference).
pub const MIN_HASHABLE_DIM: usize = 5;
/// How many times the row+column box-filter pair is applied (2 = tent filter).
pub const JAROSZ_PASSES: usize = 2;
/// Quality below which Meta recommends discarding a hash.
pub const RECOMMENDED_MIN_QUALITY: u8 = 50;

/// The 64×64 downsampled luma image, `[row][col]`.
pub type Downsampled = [[f32; DOWNSAMPLED_SIDE]; DOWNSAMPLED_SIDE];
/// The 16×16 block of DCT coefficients, `[vertical frequency - 1][horizontal frequency - 1]`.
pub type Dct16 = [[f32; DCT_SIDE]; DCT_SIDE];
/// The 16×64 DCT matrix: row `k` is the cosine of frequency `k + 1` sampled at 64 points.
pub type DctMatrix = [[f32; DOWNSAMPLED_SIDE]; DCT_SIDE];

/// A PDQ hash and its quality score (0..=100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PdqHash {
    /// The 256 bits, in the bit order documented in the [module docs](self).
    pub hash: Bits256,
    /// Gradient-based quality, 0..=100; below [`RECOMMENDED_MIN_QUALITY`] the hash is unreliable.
    pub quality: u8,
}

impl PdqHash {
    /// The hash as an [`ImageHash`] tagged [`Algorithm::Pdq`].
    pub fn image_hash(&self) -> ImageHash {
        // Cannot fail: PDQ is a 256-bit algorithm and this is a 256-bit value.
        ImageHash::new256(Algorithm::Pdq, self.hash).expect("PDQ hashes are 256 bits wide")
    }

    /// Hamming distance between the bits of two PDQ hashes (quality is ignored).
    pub fn distance(&self, other: &PdqHash) -> u32 {
        self.hash.hamming(&other.hash)
    }

    /// Lowercase hex, identical to Meta's text form.
    pub fn to_hex(&self) -> String {
        self.hash.to_hex()
    }
}

/// Every intermediate result of one PDQ computation, for teaching and inspection.
#[derive(Debug, Clone, PartialEq)]
pub struct PdqStages {
    /// Step 3: the blurred and decimated 64×64 luma image.
    pub downsampled: Box<Downsampled>,
    /// Step 4: the quality score.
    pub quality: u8,
    /// Step 5: DCT coefficients for frequencies 1..=16 along each axis.
    pub dct: Dct16,
    /// Step 6: the median of the 256 coefficients (Torben's algorithm).
    pub median: f32,
    /// Step 7: the hash.
    pub hash: Bits256,
}

impl PdqStages {
    /// The final result.
    pub fn pdq_hash(&self) -> PdqHash {
        PdqHash { hash: self.hash, quality: self.quality }
    }
}

// ---------------------------------------------------------------------------------------------
// Dihedral transforms
// ---------------------------------------------------------------------------------------------

/// The eight symmetries of a rectangle (rotations by multiples of 90° and mirror images), in
/// the order `pdqhash.compute_dihedral` returns them.
///
/// Each is "reverse the row order?", "reverse the column order?", then "transpose?", applied to
/// the pixel grid (rows top to bottom, columns left to right); see [`Dihedral::apply_to_luma`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dihedral {
    /// The image as is.
    Original,
    /// Rotated 90° counter-clockwise (NumPy `rot90(a, 1)`).
    Rotate90,
    /// Rotated 180°.
    Rotate180,
    /// Rotated 270° counter-clockwise, i.e. 90° clockwise.
    Rotate270,
    /// Upside down: row order reversed (mirrored about the horizontal axis, NumPy `flipud`).
    FlipX,
    /// Mirrored left-right: column order reversed (NumPy `fliplr`).
    FlipY,
    /// Mirrored about the main diagonal: transposed.
    FlipPlus1,
    /// Mirrored about the anti-diagonal: rotated 180° and transposed.
    FlipMinus1,
}

impl Dihedral {
    /// All eight, in `pdqhash.compute_dihedral`'s order (the columns of `pdq-dihedral.tsv`).
    pub const ALL: [Dihedral; 8] = [
        Dihedral::Original,
        Dihedral::Rotate90,
        Dihedral::Rotate180,
        Dihedral::Rotate270,
        Dihedral::FlipX,
        Dihedral::FlipY,
        Dihedral::FlipPlus1,
        Dihedral::FlipMinus1,
    ];

    /// `(reverse rows, reverse columns, transpose)`, applied in that order.
    pub const fn parts(self) -> (bool, bool, bool) {
        match self {
            Dihedral::Original => (false, false, false),
            Dihedral::Rotate90 => (false, true, true),
            Dihedral::Rotate180 => (true, true, false),
            Dihedral::Rotate270 => (true, false, true),
            Dihedral::FlipX => (true, false, false),
            Dihedral::FlipY => (false, true, false),
            Dihedral::FlipPlus1 => (false, false, true),
            Dihedral::FlipMinus1 => (true, true, true),
        }
    }

    /// A short lowercase name (`"rotate90"`, `"flipx"`, …).
    pub const fn name(self) -> &'static str {
        match self {
            Dihedral::Original => "original",
            Dihedral::Rotate90 => "rotate90",
            Dihedral::Rotate180 => "rotate180",
            Dihedral::Rotate270 => "rotate270",
            Dihedral::FlipX => "flipx",
            Dihedral::FlipY => "flipy",
            Dihedral::FlipPlus1 => "flipplus1",
            Dihedral::FlipMinus1 => "flipminus1",
        }
    }

    /// The DCT block of the transformed image, from the DCT block of the original.
    ///
    /// Reversing the rows multiplies every coefficient of odd vertical frequency by −1 (the
    /// cosine of an odd frequency is antisymmetric about the centre); reversing the columns
    /// does the same for odd horizontal frequencies; transposing the image transposes the block.
    /// Index `i` holds frequency `i + 1`, so "odd frequency" means "even index".
    pub fn apply_to_dct(self, dct: &Dct16) -> Dct16 {
        let (rev_rows, rev_cols, transpose) = self.parts();
        let mut out = [[0.0f32; DCT_SIDE]; DCT_SIDE];
        for (i, row) in dct.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                let negate = (rev_rows && i % 2 == 0) != (rev_cols && j % 2 == 0);
                let v = if negate { -v } else { v };
                if transpose {
                    out[j][i] = v;
                } else {
                    out[i][j] = v;
                }
            }
        }
        out
    }

    /// Applies the symmetry to a row-major `width × height` buffer; returns the new buffer and
    /// its `(width, height)`. Errors like [`pdq_from_luma`] on a bad size.
    pub fn apply_to_luma(
        self,
        luma: &[f32],
        width: usize,
        height: usize,
    ) -> Result<(Vec<f32>, usize, usize)> {
        check_dimensions(luma.len(), width, height)?;
        let (rev_rows, rev_cols, transpose) = self.parts();
        let (out_w, out_h) = if transpose { (height, width) } else { (width, height) };
        let mut out = vec![0.0f32; luma.len()];
        for r in 0..height {
            let src_r = if rev_rows { height - 1 - r } else { r };
            for c in 0..width {
                let src_c = if rev_cols { width - 1 - c } else { c };
                let v = luma[src_r * width + src_c];
                if transpose {
                    out[c * out_w + r] = v;
                } else {
                    out[r * out_w + c] = v;
                }
            }
        }
        Ok((out, out_w, out_h))
    }
}

// ---------------------------------------------------------------------------------------------
// Free functions
// ---------------------------------------------------------------------------------------------

/// Luma of an RGB image as PDQ's reference sees it: `0.299 R + 0.587 G + 0.114 B`, evaluated
/// left to right in `f64` and rounded once to `f32` (what NumPy does in `pdqhash.compute`).
/// Row-major, one value per pixel, in `0.0..=255.0`.
pub fn rgb_to_pdq_luma(rgb: &RgbImage) -> Vec<f32> {
    let mut out = Vec::new();
    fill_luma(rgb, &mut out);
    out
}

/// PDQ hash of an RGB image. Errors ([`ErrorKind::Unhashable`]) on a zero width or height.
pub fn pdq_from_rgb(rgb: &RgbImage) -> Result<PdqHash> {
    PdqHasher::new().hash_rgb(rgb)
}

/// PDQ hash of a row-major luma buffer (values nominally `0.0..=255.0`).
///
/// Errors: zero `width` or `height` → [`ErrorKind::Unhashable`]; `luma.len() != width *
/// height` or a non-finite value → [`ErrorKind::InvalidArgument`]. A side shorter than
/// [`MIN_HASHABLE_DIM`] gives the all-zero hash with quality 0, as the reference does.
pub fn pdq_from_luma(luma: &[f32], width: usize, height: usize) -> Result<PdqHash> {
    PdqHasher::new().hash_luma(luma, width, height)
}

/// The eight dihedral PDQ hashes of an RGB image, in [`Dihedral::ALL`] order.
pub fn pdq_dihedral_from_rgb(rgb: &RgbImage) -> Result<[PdqHash; 8]> {
    PdqHasher::new().dihedral_rgb(rgb)
}

/// The eight dihedral PDQ hashes of a luma buffer, in [`Dihedral::ALL`] order; all share the
/// quality of the original.
///
/// Reference quirk: unlike [`pdq_from_luma`], dihedral mode always blurs and decimates, even
/// an image that is already 64×64, so for 64×64 input its first hash can differ (rarely, in
/// low-order float bits) from the plain hash.
pub fn pdq_dihedral_from_luma(luma: &[f32], width: usize, height: usize) -> Result<[PdqHash; 8]> {
    PdqHasher::new().dihedral_luma(luma, width, height)
}

/// All intermediate stages of the plain (non-dihedral) hash of a luma buffer.
///
/// Errors as [`pdq_from_luma`], and also ([`ErrorKind::Unhashable`]) when a side is shorter
/// than [`MIN_HASHABLE_DIM`], since the reference computes no stages for such images.
pub fn pdq_stages(luma: &[f32], width: usize, height: usize) -> Result<PdqStages> {
    PdqHasher::new().stages_luma(luma, width, height)
}

/// The 16×64 DCT matrix, built as the reference builds it: the scale `sqrt(2/64)` rounded to
/// `f32`, times the `f64` cosine, rounded to `f32`.
pub fn dct_matrix() -> DctMatrix {
    let scale = (2.0f64 / DOWNSAMPLED_SIDE as f64).sqrt() as f32;
    let step = std::f64::consts::PI / 2.0 / DOWNSAMPLED_SIDE as f64;
    let mut d = [[0.0f32; DOWNSAMPLED_SIDE]; DCT_SIDE];
    for (k, row) in d.iter_mut().enumerate() {
        for (n, v) in row.iter_mut().enumerate() {
            let angle = step * (k + 1) as f64 * (2 * n + 1) as f64;
            *v = (f64::from(scale) * angle.cos()) as f32;
        }
    }
    d
}

/// Step 5: `D · A · Dᵀ` for the 16×64 matrix `D` of [`dct_matrix`], in `f32`, each sum taken
/// over `k = 0..64` in increasing order (as the reference does; the order matters for the last
/// bit of every coefficient).
pub fn dct_64_to_16(d: &DctMatrix, a: &Downsampled) -> Dct16 {
    // T = D · A (16×64): T[i][j] = Σ_k D[i][k] · A[k][j]. Accumulating whole rows of A keeps
    // the per-element order of additions and lets the compiler vectorise across j.
    let mut t = [[0.0f32; DOWNSAMPLED_SIDE]; DCT_SIDE];
    for (t_row, d_row) in t.iter_mut().zip(d.iter()) {
        for (&dk, a_row) in d_row.iter().zip(a.iter()) {
            for (tv, &av) in t_row.iter_mut().zip(a_row.iter()) {
                *tv += dk * av;
            }
        }
    }
    // B = T · Dᵀ (16×16): B[i][j] = Σ_k T[i][k] · D[j][k].
    let mut b = [[0.0f32; DCT_SIDE]; DCT_SIDE];
    for (b_row, t_row) in b.iter_mut().zip(t.iter()) {
        for (bv, d_row) in b_row.iter_mut().zip(d.iter()) {
            let mut sum = 0.0f32;
            for (&tv, &dv) in t_row.iter().zip(d_row.iter()) {
                sum += tv * dv;
            }
            *bv = sum;
        }
    }
    b
}

/// Step 4: the quality score of a 64×64 downsampled image (0..=100).
///
/// Each vertical, then each horizontal, neighbour difference is scaled to percent of full
/// range and truncated towards zero (`f32` arithmetic, as in the reference), so differences
/// under 2.55 grey levels count for nothing; the absolute values are summed, divided by 90
/// and capped at 100.
pub fn quality_from_downsampled(a: &Downsampled) -> u8 {
    let mut gradient_sum: i64 = 0;
    // Vertical neighbours (row i with row i + 1), then horizontal ones.
    for pair in a.windows(2) {
        gradient_sum += gradient_line(&pair[0], &pair[1]);
    }
    for row in a.iter() {
        gradient_sum += gradient_line(&row[..DOWNSAMPLED_SIDE - 1], &row[1..]);
    }
    (gradient_sum / 90).min(100) as u8
}

/// The sum of `|trunc((u − v) · 100 / 255)|` over the pairs of `us` and `vs` (at most 64).
///
/// The differences are computed first, as `f32` in the reference's three operations, and
/// when every one is below `2²⁴` in magnitude (any luma within reach of 0..=255) they are
/// truncated by a plain conversion and summed in `i32` (at most 64 · 2²⁴, no overflow),
/// which vectorises; the same integers as truncating one at a time. Otherwise (absurd luma,
/// NaN) each is truncated by `as`, which saturates.
#[inline]
fn gradient_line(us: &[f32], vs: &[f32]) -> i64 {
    debug_assert!(us.len() == vs.len() && us.len() <= DOWNSAMPLED_SIDE);
    let mut d = [0.0f32; DOWNSAMPLED_SIDE];
    for ((d, &u), &v) in d.iter_mut().zip(us).zip(vs) {
        *d = ((u - v) * 100.0) / 255.0;
    }
    let d = &d[..us.len()];
    const LIMIT: f32 = (1u32 << 24) as f32;
    // `!(x < LIMIT)` is also true for NaN.
    if d.iter().fold(true, |ok, &x| ok & (x.abs() < LIMIT)) {
        // SAFETY: every value is finite and below 2^24 in magnitude (checked just above),
        // so it is representable in `i32` after truncation.
        let sum: i32 = d.iter().map(|&x| unsafe { x.to_int_unchecked::<i32>() }.abs()).sum();
        i64::from(sum)
    } else {
        // `as` truncates towards zero, saturates, and gives 0 for NaN.
        d.iter().map(|&x| i64::from(x as i32).abs()).sum()
    }
}

/// Step 6: Torben Mogensen's median — the `(n + 1) / 2`-th smallest value (the lower median
/// for even `n`) — found by repeated bisection of the value range without sorting or moving
/// the data. Returns `0.0` for an empty slice. Expects finite values.
pub fn torben_median(m: &[f32]) -> f32 {
    let Some(&first) = m.first() else { return 0.0 };
    let half = m.len().div_ceil(2);
    let (mut min, mut max) = (first, first);
    for &v in &m[1..] {
        if v < min {
            min = v;
        }
        if v > max {
            max = v;
        }
    }
    loop {
        let guess = (min + max) / 2.0;
        let (mut less, mut greater, mut equal) = (0usize, 0usize, 0usize);
        let (mut max_lt_guess, mut min_gt_guess) = (min, max);
        for &v in m {
            if v < guess {
                less += 1;
                if v > max_lt_guess {
                    max_lt_guess = v;
                }
            } else if v > guess {
                greater += 1;
                if v < min_gt_guess {
                    min_gt_guess = v;
                }
            } else {
                equal += 1;
            }
        }
        if less <= half && greater <= half {
            return if less >= half {
                max_lt_guess
            } else if less + equal >= half {
                guess
            } else {
                min_gt_guess
            };
        }
        // Each round excludes at least the current extreme on the larger side, so the loop
        // ends after at most n rounds for finite input.
        if less > greater {
            max = max_lt_guess;
        } else {
            min = min_gt_guess;
        }
    }
}

/// Step 7: the hash bits of a coefficient block and the median they were compared with.
/// Coefficient `(i, j)` sets bit position `255 - (16 i + j)` when it is strictly greater
/// than the median.
pub fn dct_to_bits(dct: &Dct16) -> (Bits256, f32) {
    let mut flat = [0.0f32; DCT_SIDE * DCT_SIDE];
    for (dst, src) in flat.chunks_exact_mut(DCT_SIDE).zip(dct.iter()) {
        dst.copy_from_slice(src);
    }
    let median = torben_median(&flat);
    let mut bits = Bits256::zero();
    for (k, &v) in flat.iter().enumerate() {
        if v > median {
            bits.set(255 - k, true);
        }
    }
    (bits, median)
}

/// Window length of one box-filter pass that prepares `old` pixels for decimation to `new`:
/// `ceil(old / (2 new))`, so that two passes together span one output cell.
pub fn jarosz_window(old: usize, new: usize) -> usize {
    old.div_ceil(2 * new.max(1))
}

// ---------------------------------------------------------------------------------------------
// The hasher
// ---------------------------------------------------------------------------------------------

/// A reusable PDQ hasher: keeps the DCT matrix and the blur buffers between images, so hashing
/// many images allocates only when a larger image arrives. The buffers stay as large as the
/// largest image hashed (two `f32` per pixel); drop the hasher to release them.
#[derive(Clone)]
pub struct PdqHasher {
    dct: Box<DctMatrix>,
    /// The result of the first row pass, then of the first column pass (in place).
    buf: Vec<f32>,
    /// Rows saved by the in-place column pass before they are overwritten.
    ring: Vec<f32>,
    /// One strip of [`LANES`] rows, interleaved, and its row-filtered version.
    strip_in: Vec<Lanes>,
    strip_out: Vec<Lanes>,
    /// [`LANES`] rows of luma, row-major, on their way into `strip_in`.
    lines: Vec<f32>,
    /// The second row pass at the 64 decimation columns only (`height × 64`), which the
    /// second column pass reads.
    narrow: Vec<f32>,
    /// One running sum per column for the first column pass.
    col_sums: Vec<f32>,
    /// Integer window sums of one row of 8-bit luma ([`box_filter_gray_row`]).
    gray_sums: Vec<u16>,
    /// The 64 column-filtered rows of the matrix-product blur, and one luma row.
    separable_z: Vec<f32>,
    separable_line: Vec<f32>,
    /// The matrix-product blur's taps down the columns and across the rows, with the
    /// height and width they are for.
    taps_down: Option<(usize, super::pdq_separable::AxisTaps)>,
    taps_across: Option<(usize, super::pdq_separable::AxisTaps)>,
}

impl std::fmt::Debug for PdqHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The buffers can hold millions of values: show their sizes, not their contents.
        f.debug_struct("PdqHasher").field("buffer_capacity", &self.buf.capacity()).finish()
    }
}

impl Default for PdqHasher {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether a 64×64 input may skip the blur (the reference's plain path) or not (dihedral
/// path), and whether the blur is the reference's (both) or the fast path's matrix products
/// ([`super::pdq_separable`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    Plain,
    Dihedral,
    Separable,
}

/// Where the luma comes from: computed from interleaved 8-bit RGB on the fly, given as
/// 8-bit greyscale, or given.
#[derive(Clone, Copy)]
enum Source<'a> {
    Rgb(&'a [u8]),
    Gray(&'a [u8]),
    Luma(&'a [f32]),
}

impl Source<'_> {
    /// Luma of pixels `start .. start + out.len()` (row-major index) into `out`.
    #[inline(always)]
    fn row(self, start: usize, out: &mut [f32]) {
        match self {
            Source::Rgb(raw) => {
                let px = &raw[3 * start..3 * (start + out.len())];
                for (y, p) in out.iter_mut().zip(px.chunks_exact(3)) {
                    *y = luma_of(p[0], p[1], p[2]);
                }
            }
            Source::Gray(g) => {
                let n = out.len();
                for (y, &v) in out.iter_mut().zip(&g[start..start + n]) {
                    *y = f32::from(v);
                }
            }
            Source::Luma(l) => out.copy_from_slice(&l[start..start + out.len()]),
        }
    }
}

impl PdqHasher {
    /// A hasher with empty buffers.
    pub fn new() -> Self {
        PdqHasher {
            dct: Box::new(dct_matrix()),
            buf: Vec::new(),
            ring: Vec::new(),
            strip_in: Vec::new(),
            strip_out: Vec::new(),
            lines: Vec::new(),
            narrow: Vec::new(),
            col_sums: Vec::new(),
            gray_sums: Vec::new(),
            separable_z: Vec::new(),
            separable_line: Vec::new(),
            taps_down: None,
            taps_across: None,
        }
    }

    /// See [`pdq_from_rgb`].
    pub fn hash_rgb(&mut self, rgb: &RgbImage) -> Result<PdqHash> {
        let (w, h) = rgb_dimensions(rgb)?;
        self.hash_rgb_raw(rgb.as_raw(), w, h)
    }

    /// [`hash_rgb`](Self::hash_rgb) on a raw interleaved 8-bit RGB buffer of `width × height`
    /// pixels. Errors like [`pdq_from_luma`] on a bad size.
    pub fn hash_rgb_raw(&mut self, rgb: &[u8], width: usize, height: usize) -> Result<PdqHash> {
        self.hash_rgb_raw_by(rgb, width, height, Path::Plain)
    }

    /// [`hash_rgb_raw`](Self::hash_rgb_raw) or its separable form (`path`).
    fn hash_rgb_raw_by(
        &mut self,
        rgb: &[u8],
        width: usize,
        height: usize,
        path: Path,
    ) -> Result<PdqHash> {
        check_dimensions(rgb.len() / 3, width, height)?;
        if !rgb.len().is_multiple_of(3) {
            return Err(Error::new(ErrorKind::InvalidArgument, "RGB buffer length is not 3 × n"));
        }
        self.hash_source(Source::Rgb(rgb), width, height, path)
            .map(|s| s.map_or(ZERO_HASH, |s| s.pdq_hash()))
    }

    /// [`hash_luma`](Self::hash_luma) of an 8-bit greyscale buffer of `width × height`
    /// pixels, each value its luma (as for an RGB image with R = G = B, whose PDQ luma is
    /// exactly that value), without an `f32` copy of the image.
    pub fn hash_gray_raw(&mut self, gray: &[u8], width: usize, height: usize) -> Result<PdqHash> {
        self.hash_gray_raw_by(gray, width, height, Path::Plain)
    }

    /// [`hash_gray_raw`](Self::hash_gray_raw) or its separable form (`path`).
    fn hash_gray_raw_by(
        &mut self,
        gray: &[u8],
        width: usize,
        height: usize,
        path: Path,
    ) -> Result<PdqHash> {
        check_dimensions(gray.len(), width, height)?;
        self.hash_source(Source::Gray(gray), width, height, path)
            .map(|s| s.map_or(ZERO_HASH, |s| s.pdq_hash()))
    }

    /// [`hash_rgb_raw`](Self::hash_rgb_raw) with the blur and decimation computed as two
    /// matrix products ([`super::pdq_separable`]): several times faster, **not bit-exact**
    /// with the reference (the last bits of the 64 × 64 values differ, so a coefficient that
    /// close to the median can flip its bit). The fast path's PDQ.
    pub fn hash_rgb_raw_separable(
        &mut self,
        rgb: &[u8],
        width: usize,
        height: usize,
    ) -> Result<PdqHash> {
        self.hash_rgb_raw_by(rgb, width, height, Path::Separable)
    }

    /// [`hash_gray_raw`](Self::hash_gray_raw) with the blur and decimation as matrix
    /// products, as [`hash_rgb_raw_separable`](Self::hash_rgb_raw_separable): not bit-exact.
    pub fn hash_gray_raw_separable(
        &mut self,
        gray: &[u8],
        width: usize,
        height: usize,
    ) -> Result<PdqHash> {
        self.hash_gray_raw_by(gray, width, height, Path::Separable)
    }

    /// The 64 × 64 downsampled image of 8-bit greyscale or RGB (`rgb`) pixels, by the
    /// reference's blur or the matrix products (`separable`).
    #[cfg(test)]
    pub(crate) fn downsampled_for_tests(
        &mut self,
        pixels: &[u8],
        rgb: bool,
        (w, h): (usize, usize),
        separable: bool,
    ) -> Box<Downsampled> {
        let src = if rgb { Source::Rgb(pixels) } else { Source::Gray(pixels) };
        let path = if separable { Path::Separable } else { Path::Plain };
        self.hash_source(src, w, h, path).unwrap().unwrap().downsampled
    }

    /// See [`pdq_from_luma`].
    pub fn hash_luma(&mut self, luma: &[f32], width: usize, height: usize) -> Result<PdqHash> {
        check_luma(luma, width, height)?;
        self.hash_source(Source::Luma(luma), width, height, Path::Plain)
            .map(|s| s.map_or(ZERO_HASH, |s| s.pdq_hash()))
    }

    /// See [`pdq_stages`].
    pub fn stages_luma(&mut self, luma: &[f32], width: usize, height: usize) -> Result<PdqStages> {
        check_luma(luma, width, height)?;
        self.hash_source(Source::Luma(luma), width, height, Path::Plain)?.ok_or_else(|| {
            Error::new(
                ErrorKind::Unhashable,
                format!(
                    "a {width}×{height} image is too small for PDQ stages (sides must be at least \
                     {MIN_HASHABLE_DIM})"
                ),
            )
        })
    }

    /// See [`pdq_dihedral_from_rgb`].
    pub fn dihedral_rgb(&mut self, rgb: &RgbImage) -> Result<[PdqHash; 8]> {
        let (w, h) = rgb_dimensions(rgb)?;
        self.dihedral_source(Source::Rgb(rgb.as_raw()), w, h)
    }

    /// See [`pdq_dihedral_from_luma`].
    pub fn dihedral_luma(
        &mut self,
        luma: &[f32],
        width: usize,
        height: usize,
    ) -> Result<[PdqHash; 8]> {
        check_luma(luma, width, height)?;
        self.dihedral_source(Source::Luma(luma), width, height)
    }

    fn dihedral_source(
        &mut self,
        src: Source,
        width: usize,
        height: usize,
    ) -> Result<[PdqHash; 8]> {
        let Some(stages) = self.hash_source(src, width, height, Path::Dihedral)? else {
            return Ok([ZERO_HASH; 8]);
        };
        Ok(Dihedral::ALL.map(|t| {
            let (hash, _) = dct_to_bits(&t.apply_to_dct(&stages.dct));
            PdqHash { hash, quality: stages.quality }
        }))
    }

    /// Steps 2–7. `None` for images below the minimum size, whose hash is all zeros by
    /// definition.
    fn hash_source(
        &mut self,
        src: Source,
        w: usize,
        h: usize,
        path: Path,
    ) -> Result<Option<PdqStages>> {
        if w < MIN_HASHABLE_DIM || h < MIN_HASHABLE_DIM {
            return Ok(None);
        }
        let mut downsampled = Box::new([[0.0f32; DOWNSAMPLED_SIDE]; DOWNSAMPLED_SIDE]);
        if path != Path::Dihedral && w == DOWNSAMPLED_SIDE && h == DOWNSAMPLED_SIDE {
            for (r, dst) in downsampled.iter_mut().enumerate() {
                src.row(r * DOWNSAMPLED_SIDE, dst);
            }
        } else if path == Path::Separable {
            self.blur_separable(src, w, h, &mut downsampled);
        } else {
            self.blur_and_decimate(src, w, h, &mut downsampled);
        }
        let quality = quality_from_downsampled(&downsampled);
        let dct = dct_64_to_16(&self.dct, &downsampled);
        if dct.iter().flatten().any(|v| !v.is_finite()) {
            return Err(Error::new(
                ErrorKind::Unhashable,
                "the DCT overflowed (luma values far outside 0..=255?)",
            ));
        }
        let (hash, median) = dct_to_bits(&dct);
        Ok(Some(PdqStages { downsampled, quality, dct, median, hash }))
    }

    /// Steps 2 and 3 as matrix products ([`super::pdq_separable`]; not bit-exact), compiled
    /// for AVX2 as well and chosen at run time. The taps of the last width and height are
    /// kept: images often come in few sizes.
    fn blur_separable(&mut self, src: Source, w: usize, h: usize, out: &mut Downsampled) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            unsafe { self.blur_separable_avx2(src, w, h, out) };
            return;
        }
        self.blur_separable_generic(src, w, h, out);
    }

    /// [`Self::blur_separable_generic`] compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn blur_separable_avx2(
        &mut self,
        src: Source,
        w: usize,
        h: usize,
        out: &mut Downsampled,
    ) {
        self.blur_separable_generic(src, w, h, out);
    }

    #[inline(always)]
    fn blur_separable_generic(&mut self, src: Source, w: usize, h: usize, out: &mut Downsampled) {
        use super::pdq_separable::{blur_and_decimate_separable, AxisTaps};
        let taps = |cache: &mut Option<(usize, AxisTaps)>, n: usize| {
            if cache.as_ref().is_none_or(|(m, _)| *m != n) {
                *cache = Some((n, AxisTaps::new(n)));
            }
        };
        taps(&mut self.taps_down, h);
        taps(&mut self.taps_across, w);
        let (Some((_, a)), Some((_, c))) = (&self.taps_down, &self.taps_across) else {
            unreachable!("both were just set");
        };
        let (z, line) = (&mut self.separable_z, &mut self.separable_line);
        match src {
            // RGB luma is `(299 r + 587 g + 114 b) / 1000`: the integers are blurred and the
            // 64 × 64 results divided by 1000 (the same linear map, without a division per
            // pixel).
            Source::Rgb(rgb) => {
                let row = |r: usize, line: &mut [f32]| {
                    let px = &rgb[3 * r * w..3 * (r + 1) * w];
                    for (y, p) in line.iter_mut().zip(px.chunks_exact(3)) {
                        *y = luma_thousandths(p[0], p[1], p[2]) as f32;
                    }
                };
                blur_and_decimate_separable(a, c, row, z, line, out);
                out.iter_mut().flatten().for_each(|v| *v /= 1000.0);
            }
            _ => {
                let row = |r: usize, line: &mut [f32]| src.row(r * w, line);
                blur_and_decimate_separable(a, c, row, z, line, out);
            }
        }
    }

    /// Steps 2 and 3: the Jarosz tent filter (row pass, column pass, row pass, column pass),
    /// then decimation, with exactly the reference's arithmetic per line but organised for
    /// speed:
    ///
    /// - A row pass is a chain of dependent additions along each row. [`LANES`] rows are
    ///   filtered at once, one per SIMD lane ([`box_filter_lanes`]), each lane doing exactly
    ///   the scalar operations of [`box_filter_line`] in the same order.
    /// - The luma is computed strip by strip as the first row pass reads it. 8-bit
    ///   greyscale luma skips the lanes: its running sums are exact integers, summed a row
    ///   at a time ([`box_filter_gray_row`]). The first column pass runs in place,
    ///   vectorised across columns.
    /// - The second row pass divides and stores only at the 64 columns the decimation keeps
    ///   (each is still the end of the full running sum along its row), and the second column
    ///   pass runs only on those 64 columns, as 64 lanes, dividing only at the 64 kept rows.
    ///
    /// Every output value goes through the same IEEE operations as in the straightforward
    /// implementation (kept in the tests as the oracle), so the result is bit-identical. On
    /// CPUs with AVX2 the same code is compiled for 8-wide vectors: IEEE additions, divisions
    /// and the `f64` luma are correctly rounded whatever the vector width (Rust never fuses a
    /// multiply and an add on its own), so the bits do not change.
    fn blur_and_decimate(&mut self, src: Source, w: usize, h: usize, out: &mut Downsampled) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            unsafe { self.blur_and_decimate_avx2(src, w, h, out) };
            return;
        }
        self.blur_and_decimate_portable(src, w, h, out);
    }

    /// [`Self::blur_and_decimate_generic`] compiled for AVX2, with the 8 × 8 transposes of
    /// [`rows_to_lanes`] and [`lanes_to_rows`] in AVX2 shuffles.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn blur_and_decimate_avx2(
        &mut self,
        src: Source,
        w: usize,
        h: usize,
        out: &mut Downsampled,
    ) {
        self.blur_and_decimate_generic::<true>(src, w, h, out);
    }

    /// The portable build of [`Self::blur_and_decimate_generic`] (no CPU feature needed).
    fn blur_and_decimate_portable(
        &mut self,
        src: Source,
        w: usize,
        h: usize,
        out: &mut Downsampled,
    ) {
        self.blur_and_decimate_generic::<false>(src, w, h, out);
    }

    /// The blur and decimation; `AVX2` may be true only when the CPU has AVX2 (it selects
    /// the intrinsic transposes).
    #[inline(always)]
    fn blur_and_decimate_generic<const AVX2: bool>(
        &mut self,
        src: Source,
        w: usize,
        h: usize,
        out: &mut Downsampled,
    ) {
        let win_rows = jarosz_window(w, DOWNSAMPLED_SIDE);
        let win_cols = jarosz_window(h, DOWNSAMPLED_SIDE);
        // Every element of these buffers is written before it is read: resizing without
        // clearing first keeps a reused buffer from being zero-filled for each image.
        self.buf.resize(w * h, 0.0);
        self.strip_in.resize(w, [0.0; LANES]);
        self.strip_out.resize(w, [0.0; LANES]);
        self.lines.resize(LANES * w, 0.0);

        // Row pass 1: luma → buf. Whole-number luma (8-bit greyscale) is summed exactly in
        // integers, one row at a time; other luma in `f32` lanes, in the reference's order.
        match src {
            Source::Gray(gray) if win_rows <= MAX_GRAY_WINDOW => {
                for (row, out) in gray.chunks_exact(w).zip(self.buf.chunks_exact_mut(w)) {
                    box_filter_gray_row(row, out, win_rows, &mut self.gray_sums);
                }
            }
            _ => {
                for r0 in (0..h).step_by(LANES) {
                    let rows = LANES.min(h - r0);
                    for (l, line) in self.lines.chunks_exact_mut(w).take(rows).enumerate() {
                        src.row((r0 + l) * w, line);
                    }
                    rows_to_lanes::<AVX2>(&self.lines[..rows * w], w, rows, &mut self.strip_in);
                    box_filter_lanes(&self.strip_in, &mut self.strip_out, win_rows);
                    let block = &mut self.buf[r0 * w..(r0 + rows) * w];
                    lanes_to_rows::<AVX2>(&self.strip_out, block, w);
                }
            }
        }

        // Column pass 1, in place.
        box_filter_columns_in_place(
            &mut self.buf,
            w,
            h,
            win_cols,
            &mut self.col_sums,
            &mut self.ring,
        );

        // Row pass 2, keeping the decimation columns only.
        let cols: [usize; DOWNSAMPLED_SIDE] = std::array::from_fn(|j| decimation_index(j, w));
        let mut kept = [[0.0f32; LANES]; DOWNSAMPLED_SIDE];
        self.narrow.resize(h * DOWNSAMPLED_SIDE, 0.0);
        for r0 in (0..h).step_by(LANES) {
            let rows = LANES.min(h - r0);
            let block = &self.buf[r0 * w..(r0 + rows) * w];
            rows_to_lanes::<AVX2>(block, w, rows, &mut self.strip_in);
            box_filter_lanes_at(&self.strip_in, win_rows, &cols, &mut kept);
            for l in 0..rows {
                let dst = &mut self.narrow[(r0 + l) * DOWNSAMPLED_SIDE..][..DOWNSAMPLED_SIDE];
                for (d, k) in dst.iter_mut().zip(&kept) {
                    *d = k[l];
                }
            }
        }

        // Column pass 2 on the 64 kept columns, 64 lanes at once, dividing at the kept rows
        // only.
        let rows: [usize; DOWNSAMPLED_SIDE] = std::array::from_fn(|i| decimation_index(i, h));
        let (narrow, _) = self.narrow.as_chunks::<DOWNSAMPLED_SIDE>();
        box_filter_lanes_at(narrow, win_cols, &rows, &mut out[..]);
    }
}

/// How many rows a row pass filters at once (one per vector lane): 16, two AVX2 vectors, so
/// that two independent chains of dependent additions are in flight at once.
const LANES: usize = 16;
type Lanes = [f32; LANES];

/// Rows per 8 × 8 transpose block.
const BLOCK: usize = 8;

/// Interleaves `rows` (≤ [`LANES`]) consecutive rows of `w` values (row-major in `block`)
/// into lanes: `dst[i][l] = block[l * w + i]`. Lanes of missing rows are left as they were
/// (their results are never read). With `AVX2`, full groups of 8 rows × 8 columns are
/// transposed with AVX2 shuffles — pure data movement, the same values.
#[inline(always)]
fn rows_to_lanes<const AVX2: bool>(block: &[f32], w: usize, rows: usize, dst: &mut [Lanes]) {
    debug_assert!(rows <= LANES && block.len() == rows * w && dst.len() == w);
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    if AVX2 && rows == LANES {
        while i + BLOCK <= w {
            for g in (0..LANES).step_by(BLOCK) {
                let src: [*const f32; BLOCK] =
                    std::array::from_fn(|l| block[(g + l) * w + i..].as_ptr());
                let out: [*mut f32; BLOCK] = std::array::from_fn(|k| dst[i + k][g..].as_mut_ptr());
                // SAFETY: the caller runs this with AVX2 = true only on CPUs with AVX2; every
                // pointer addresses 8 valid f32 (row `g + l` from column `i`; lanes `g..g + 8`
                // of column `i + k`).
                unsafe { transpose8x8_avx2(src, out) };
            }
            i += BLOCK;
        }
    }
    for (j, d) in dst.iter_mut().enumerate().skip(i) {
        for (l, v) in d.iter_mut().take(rows).enumerate() {
            *v = block[l * w + j];
        }
    }
}

/// The inverse of [`rows_to_lanes`]: `block[l * w + i] = src[i][l]` for the
/// `block.len() / w` rows of `block`.
#[inline(always)]
fn lanes_to_rows<const AVX2: bool>(src: &[Lanes], block: &mut [f32], w: usize) {
    let rows = block.len() / w;
    debug_assert!(rows <= LANES && block.len() == rows * w && src.len() == w);
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    if AVX2 && rows == LANES {
        while i + BLOCK <= w {
            for g in (0..LANES).step_by(BLOCK) {
                let from: [*const f32; BLOCK] = std::array::from_fn(|k| src[i + k][g..].as_ptr());
                let base = block.as_mut_ptr();
                // SAFETY: `(g + l) * w + i + 8 <= rows * w`: each row pointer addresses 8
                // valid f32.
                let to: [*mut f32; BLOCK] =
                    std::array::from_fn(|l| unsafe { base.add((g + l) * w + i) });
                // SAFETY: AVX2 = true only on CPUs with AVX2; all pointers valid for 8 f32,
                // and `src` and `block` do not overlap.
                unsafe { transpose8x8_avx2(from, to) };
            }
            i += BLOCK;
        }
    }
    for (l, row) in block.chunks_exact_mut(w).enumerate() {
        for (j, v) in row.iter_mut().enumerate().skip(i) {
            *v = src[j][l];
        }
    }
}

/// Transposes an 8 × 8 block of `f32`: `dst[k][l] = src[l][k]`, each pointer addressing 8
/// consecutive values.
///
/// # Safety
/// The CPU must have AVX2; every pointer must be valid for 8 `f32` (reads from `src`, writes
/// to `dst`), and the source and destination blocks must not overlap.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn transpose8x8_avx2(src: [*const f32; BLOCK], dst: [*mut f32; BLOCK]) {
    use std::arch::x86_64::*;
    // SAFETY: the caller's contract (valid, non-overlapping pointers; AVX2).
    unsafe {
        let r: [__m256; BLOCK] = std::array::from_fn(|l| _mm256_loadu_ps(src[l]));
        let t0 = _mm256_unpacklo_ps(r[0], r[1]);
        let t1 = _mm256_unpackhi_ps(r[0], r[1]);
        let t2 = _mm256_unpacklo_ps(r[2], r[3]);
        let t3 = _mm256_unpackhi_ps(r[2], r[3]);
        let t4 = _mm256_unpacklo_ps(r[4], r[5]);
        let t5 = _mm256_unpackhi_ps(r[4], r[5]);
        let t6 = _mm256_unpacklo_ps(r[6], r[7]);
        let t7 = _mm256_unpackhi_ps(r[6], r[7]);
        let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
        let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
        let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
        let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
        let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
        let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
        let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
        let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
        _mm256_storeu_ps(dst[0], _mm256_permute2f128_ps::<0x20>(u0, u4));
        _mm256_storeu_ps(dst[1], _mm256_permute2f128_ps::<0x20>(u1, u5));
        _mm256_storeu_ps(dst[2], _mm256_permute2f128_ps::<0x20>(u2, u6));
        _mm256_storeu_ps(dst[3], _mm256_permute2f128_ps::<0x20>(u3, u7));
        _mm256_storeu_ps(dst[4], _mm256_permute2f128_ps::<0x31>(u0, u4));
        _mm256_storeu_ps(dst[5], _mm256_permute2f128_ps::<0x31>(u1, u5));
        _mm256_storeu_ps(dst[6], _mm256_permute2f128_ps::<0x31>(u2, u6));
        _mm256_storeu_ps(dst[7], _mm256_permute2f128_ps::<0x31>(u3, u7));
    }
}

/// [`box_filter_line`] on [`LANES`] independent lines at once, interleaved: `src[i][l]` is
/// value `i` of line `l`. Each lane performs exactly the scalar operations of
/// [`box_filter_line`], in the same order.
#[inline(always)]
fn box_filter_lanes(src: &[Lanes], dst: &mut [Lanes], window: usize) {
    debug_assert_eq!(dst.len(), src.len());
    box_filter_lanes_emit(src, window, |o, sum, c| dst[o] = div_lanes(sum, c));
}

/// Widest window [`box_filter_gray_row`] is used for (images up to 2048 pixels wide; the
/// integer sums then fit in `u16`). Wider windows take the `f32` lanes, whose cost does not
/// grow with the window.
const MAX_GRAY_WINDOW: usize = 16;

/// [`box_filter_line`] on one row of 8-bit greyscale luma, with the same bits and without
/// the chain of dependent additions: every value is a whole number and every running sum
/// of the reference stays far below `2²⁴` (at most `17 · 255`: a window of at most 16 values
/// and the one entering before another leaves), so its `f32` additions and
/// subtractions are exact and each running sum *is* the integer sum of its window. Here
/// those sums are computed in integers, all outputs at once (one vectorised pass per
/// window position), converted to `f32` (exact) and divided by the window's count (the
/// reference's one rounding). `sums` is scratch space.
#[inline(always)]
fn box_filter_gray_row(src: &[u8], dst: &mut [f32], window: usize, sums: &mut Vec<u16>) {
    let n = src.len();
    let half = (window + 2) / 2;
    debug_assert!(window >= 1 && window <= n && window <= MAX_GRAY_WINDOW && dst.len() == n);
    // Output o averages src[lo..hi] with lo = max(o + half − window, 0), hi = min(o + half, n).
    let mean = |lo: usize, hi: usize| {
        let sum: u32 = src[lo..hi].iter().map(|&v| u32::from(v)).sum();
        sum as f32 / (hi - lo) as f32
    };
    // Outputs window − half ..= n − half see a whole window, starting at 0, 1, 2, ….
    let first = window - half;
    let full = n + 1 - window;
    for (o, d) in dst.iter_mut().enumerate().take(first) {
        *d = mean(0, o + half);
    }
    sums.clear();
    sums.extend(src[..full].iter().map(|&v| u16::from(v)));
    for k in 1..window {
        for (s, &v) in sums.iter_mut().zip(&src[k..k + full]) {
            *s += u16::from(v);
        }
    }
    let interior = &mut dst[first..first + full];
    let c = window as f32;
    match exact_reciprocal(c) {
        Some(r) => interior.iter_mut().zip(sums.iter()).for_each(|(d, &s)| *d = f32::from(s) * r),
        None => interior.iter_mut().zip(sums.iter()).for_each(|(d, &s)| *d = f32::from(s) / c),
    }
    for (o, d) in dst.iter_mut().enumerate().skip(first + full) {
        *d = mean(o + half - window, n);
    }
}

/// `sum / c` in every lane ([`exact_reciprocal`] turns it into a multiplication when `c` is
/// a power of two: the same bits, several times cheaper).
#[inline(always)]
fn div_lanes<const N: usize>(a: &[f32; N], c: f32) -> [f32; N] {
    let mut o = *a;
    match exact_reciprocal(c) {
        Some(r) => o.iter_mut().for_each(|x| *x *= r),
        None => o.iter_mut().for_each(|x| *x /= c),
    }
    o
}

/// `1 / c` when it is exact, i.e. when the count `c` (≥ 1) is a power of two. Then `x * (1 /
/// c)` and `x / c` are one correctly rounded operation on the same real number, so they give
/// the same bits for every `x` (subnormal results included); a vector division costs ten
/// times a multiplication's throughput. Windows of 2, 4 and 8 pixels are the common case
/// (sides of 129–256, 385–512 and 897–1024 pixels).
#[inline(always)]
fn exact_reciprocal(c: f32) -> Option<f32> {
    debug_assert!(c >= 1.0);
    (c.to_bits() & 0x007F_FFFF == 0).then(|| 1.0 / c)
}

/// [`box_filter_lanes`] computing only the outputs at the ascending positions `cols` (the
/// decimation columns or rows): the running sums are the same, only the divisions of the
/// outputs nobody reads are skipped. `dst[j]` receives output `cols[j]`. `N` lines at once:
/// [`LANES`] rows of a strip, or the 64 kept columns of the second column pass.
#[inline(always)]
fn box_filter_lanes_at<const N: usize>(
    src: &[[f32; N]],
    window: usize,
    cols: &[usize],
    dst: &mut [[f32; N]],
) {
    debug_assert!(cols.windows(2).all(|p| p[0] <= p[1]) && dst.len() == cols.len());
    let mut next = 0;
    box_filter_lanes_emit(src, window, |o, sum, c| {
        while next < cols.len() && cols[next] == o {
            dst[next] = div_lanes(sum, c);
            next += 1;
        }
    });
}

/// The running sums of [`box_filter_lanes`]: calls `emit(o, sum, count)` for every output
/// position `o` in order, with the window's sum and the number of values in it; the output
/// is `sum / count`.
#[inline(always)]
fn box_filter_lanes_emit<const N: usize>(
    src: &[[f32; N]],
    window: usize,
    mut emit: impl FnMut(usize, &[f32; N], f32),
) {
    #[inline(always)]
    fn add<const N: usize>(a: &mut [f32; N], b: &[f32; N]) {
        for (x, y) in a.iter_mut().zip(b) {
            *x += *y;
        }
    }
    #[inline(always)]
    fn sub<const N: usize>(a: &mut [f32; N], b: &[f32; N]) {
        for (x, y) in a.iter_mut().zip(b) {
            *x -= *y;
        }
    }
    let n = src.len();
    let half = (window + 2) / 2;
    debug_assert!(window >= 1 && window <= n);
    let mut sum = [0.0f32; N];
    let mut count = 0usize;
    for v in &src[..half - 1] {
        add(&mut sum, v);
        count += 1;
    }
    let mut right = half - 1;
    let mut left = 0;
    let mut out = 0;
    while out < window - half + 1 {
        add(&mut sum, &src[right]);
        right += 1;
        count += 1;
        emit(out, &sum, count as f32);
        out += 1;
    }
    let c = count as f32;
    for (enter, leave) in src[right..].iter().zip(&src[left..n - (right - left)]) {
        add(&mut sum, enter);
        sub(&mut sum, leave);
        emit(out, &sum, c);
        out += 1;
    }
    left += n - right;
    while out < n {
        sub(&mut sum, &src[left]);
        left += 1;
        count -= 1;
        emit(out, &sum, count as f32);
        out += 1;
    }
}

/// [`box_filter_line`] down every column at once (one running sum per column, rows read in
/// order), with the output written over the input. Rows are overwritten only
/// after they have entered the running sums; their values are kept in `ring` (`window` rows)
/// until they leave it.
#[inline(always)]
fn box_filter_columns_in_place(
    buf: &mut [f32],
    w: usize,
    h: usize,
    window: usize,
    sums: &mut Vec<f32>,
    ring: &mut Vec<f32>,
) {
    let half = (window + 2) / 2;
    debug_assert!(window >= 1 && window <= h);
    sums.clear();
    sums.resize(w, 0.0);
    ring.clear();
    ring.resize(w * window, 0.0);
    // Row r (once it has entered) lives in ring slot r % window until it leaves.
    let slot = |r: usize| (r % window) * w;
    let mut count = 0usize;
    for r in 0..half - 1 {
        let enter = &buf[r * w..(r + 1) * w];
        for (s, &e) in sums.iter_mut().zip(enter) {
            *s += e;
        }
        ring[slot(r)..slot(r) + w].copy_from_slice(enter);
        count += 1;
    }
    let (mut right, mut left, mut out) = (half - 1, 0, 0);
    while out < window - half + 1 {
        count += 1;
        let c = count as f32;
        ring[slot(right)..slot(right) + w].copy_from_slice(&buf[right * w..(right + 1) * w]);
        let enter = &ring[slot(right)..slot(right) + w];
        let o = &mut buf[out * w..(out + 1) * w];
        for ((s, &e), o) in sums.iter_mut().zip(enter).zip(o.iter_mut()) {
            *s += e;
            *o = *s / c;
        }
        right += 1;
        out += 1;
    }
    let c = count as f32;
    while right < h {
        // The leaving row's slot is the entering row's: read both before overwriting.
        let s_leave = slot(left);
        debug_assert_eq!(s_leave, slot(right));
        let leave = &mut ring[s_leave..s_leave + w];
        if out < right {
            let (before, rest) = buf.split_at_mut(right * w);
            let enter = &rest[..w];
            let o = &mut before[out * w..(out + 1) * w];
            // One loop per way of dividing (see `exact_reciprocal`), chosen once per row.
            #[inline(always)]
            fn step(
                s: &mut [f32],
                e: &[f32],
                l: &mut [f32],
                o: &mut [f32],
                div: impl Fn(f32) -> f32,
            ) {
                for (((s, &e), l), o) in s.iter_mut().zip(e).zip(l.iter_mut()).zip(o.iter_mut()) {
                    // Add first, then subtract: the reference's order.
                    let v = *s + e;
                    let v = v - *l;
                    *s = v;
                    *o = div(v);
                    *l = e;
                }
            }
            match exact_reciprocal(c) {
                Some(r) => step(sums, enter, leave, o, |v| v * r),
                None => step(sums, enter, leave, o, |v| v / c),
            }
        } else {
            // Window 1: the output row is the entering row; read each value before writing.
            let row = &mut buf[out * w..(out + 1) * w];
            for ((s, o), l) in sums.iter_mut().zip(row.iter_mut()).zip(leave.iter_mut()) {
                let e = *o;
                let v = *s + e;
                let v = v - *l;
                *s = v;
                *o = v / c;
                *l = e;
            }
        }
        right += 1;
        left += 1;
        out += 1;
    }
    while out < h {
        count -= 1;
        let c = count as f32;
        let leave = &ring[slot(left)..slot(left) + w];
        let o = &mut buf[out * w..(out + 1) * w];
        for ((s, &l), o) in sums.iter_mut().zip(leave).zip(o.iter_mut()) {
            *s -= l;
            *o = *s / c;
        }
        left += 1;
        out += 1;
    }
}

const ZERO_HASH: PdqHash = PdqHash { hash: Bits256::zero(), quality: 0 };

fn check_dimensions(len: usize, width: usize, height: usize) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(Error::new(
            ErrorKind::Unhashable,
            format!("cannot hash an image of {width}×{height} pixels"),
        ));
    }
    if width.checked_mul(height) != Some(len) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("luma buffer has {len} values, a {width}×{height} image needs width × height"),
        ));
    }
    Ok(())
}

fn rgb_dimensions(rgb: &RgbImage) -> Result<(usize, usize)> {
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    if w == 0 || h == 0 {
        return Err(Error::new(
            ErrorKind::Unhashable,
            format!("cannot hash an image of {w}×{h} pixels"),
        ));
    }
    Ok((w, h))
}

fn fill_luma(rgb: &RgbImage, out: &mut Vec<f32>) {
    let raw = rgb.as_raw();
    out.clear();
    out.extend(raw.chunks_exact(3).map(|p| luma_of(p[0], p[1], p[2])));
}

/// PDQ's luma of one pixel. The definition ([`luma_of_spec`]) is `0.299 r + 0.587 g +
/// 0.114 b` left to right in `f64`, rounded once to `f32`; this computes the exact integer
/// `299 r + 587 g + 114 b` (below 2^24, so exact in `f32`) and divides it by 1000 in `f32`,
/// one correctly rounded division. The two agree bit for bit on all 2^24 colours (checked
/// exhaustively by a test), and this one vectorises without `f64` conversions.
#[inline(always)]
fn luma_of(r: u8, g: u8, b: u8) -> f32 {
    luma_thousandths(r, g, b) as f32 / 1000.0
}

/// `1000 ×` PDQ's luma of one pixel, exactly: `299 r + 587 g + 114 b` (below 2²⁴, so exact
/// in `f32` too).
#[inline(always)]
fn luma_thousandths(r: u8, g: u8, b: u8) -> u32 {
    299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)
}

/// The definition of PDQ's luma that [`luma_of`] computes faster.
#[cfg(test)]
fn luma_of_spec(r: u8, g: u8, b: u8) -> f32 {
    (f64::from(r) * 0.299 + f64::from(g) * 0.587 + f64::from(b) * 0.114) as f32
}

fn check_luma(luma: &[f32], width: usize, height: usize) -> Result<()> {
    check_dimensions(luma.len(), width, height)?;
    if let Some(i) = luma.iter().position(|v| !v.is_finite()) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("luma value {} at index {i} is not finite", luma[i]),
        ));
    }
    Ok(())
}

/// One box-filter pass along a line, as a running sum.
///
/// Output `o` is the mean of inputs `o - (half - 1) ..= o + (window - half)`, where
/// `half = (window + 2) / 2`, clipped to the line (near the ends the mean is over fewer
/// values). The running sum adds the entering value *before* subtracting the leaving one, in
/// `f32`, exactly like the reference; a different order would change low-order bits.
///
/// The hasher runs this on [`LANES`] lines at once ([`box_filter_lanes`]); this one-line form
/// is the specification the tests compare against.
#[cfg(test)]
pub(crate) fn box_filter_line(src: &[f32], dst: &mut [f32], window: usize) {
    let n = src.len();
    let half = (window + 2) / 2;
    debug_assert!(window >= 1 && window <= n);
    let mut sum = 0.0f32;
    let mut count = 0usize;
    // Fill the first half-window without output.
    for &v in &src[..half - 1] {
        sum += v;
        count += 1;
    }
    let mut right = half - 1; // next value to enter
    let mut left = 0; // next value to leave
    let mut out = 0;
    // Growing window at the start.
    while out < window - half + 1 {
        sum += src[right];
        right += 1;
        count += 1;
        dst[out] = sum / count as f32;
        out += 1;
    }
    // Full window.
    while right < n {
        sum += src[right];
        sum -= src[left];
        right += 1;
        left += 1;
        dst[out] = sum / count as f32;
        out += 1;
    }
    // Shrinking window at the end.
    while out < n {
        sum -= src[left];
        left += 1;
        count -= 1;
        dst[out] = sum / count as f32;
        out += 1;
    }
}

/// Step 3: the input row (or column) kept for output row (or column) `i` of 64, out of `n`:
/// the one containing the centre of the cell, `floor((i + 0.5) · n / 64)` in `f64`.
pub(crate) fn decimation_index(i: usize, n: usize) -> usize {
    (((i as f64 + 0.5) * n as f64) / DOWNSAMPLED_SIDE as f64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random image (xorshift), integer grey levels 0..=255.
    fn noise(w: usize, h: usize, seed: u64) -> Vec<f32> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..w * h)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % 256) as f32
            })
            .collect()
    }

    #[test]
    fn constant_images_have_quality_zero_and_a_rounding_noise_hash() {
        // Black: everything is exactly zero, so no coefficient exceeds the median (zero).
        let black = pdq_from_luma(&vec![0.0; 100 * 100], 100, 100).unwrap();
        assert_eq!(black, ZERO_HASH);
        // Grey: the DCT rows do not sum to exactly zero in f32, so the coefficients are tiny
        // (~1e-11) rounding noise, and the bits are that noise. Values from pdqhash 0.2.8.
        let grey = pdq_from_luma(&vec![128.0; 100 * 100], 100, 100).unwrap();
        assert_eq!(grey.quality, 0);
        assert_eq!(
            grey.to_hex(),
            "000000002c4b11342c4b2c4b0000554b00002c4b113411342c4b585e2c4b017e"
        );
        let stages = pdq_stages(&vec![128.0; 100 * 100], 100, 100).unwrap();
        assert!(stages.dct.iter().flatten().all(|v| v.abs() < 1e-10));
        let rgb = RgbImage::from_pixel(640, 480, image::Rgb([200, 200, 200]));
        let h = pdq_from_rgb(&rgb).unwrap();
        assert_eq!(h.quality, 0);
        assert_eq!(h.to_hex(), "0000113411342c4b2c4b554b11342c4b00000000000000002c4b13a01134585e");
    }

    #[test]
    fn tiny_images_hash_to_zero_like_the_reference() {
        for (w, h) in [(1, 1), (2, 3), (4, 100), (100, 4)] {
            let luma = noise(w, h, 1);
            assert_eq!(pdq_from_luma(&luma, w, h).unwrap(), ZERO_HASH, "{w}×{h}");
            assert_eq!(pdq_dihedral_from_luma(&luma, w, h).unwrap(), [ZERO_HASH; 8]);
            let err = pdq_stages(&luma, w, h).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unhashable);
        }
        let rgb = RgbImage::from_pixel(1, 1, image::Rgb([10, 200, 30]));
        assert_eq!(pdq_from_rgb(&rgb).unwrap(), ZERO_HASH);
        // From 5 pixels on, images are hashed (upsampled by repetition in the decimation).
        let h = pdq_from_luma(&noise(5, 5, 2), 5, 5).unwrap();
        assert_ne!(h.hash, Bits256::zero());
    }

    #[test]
    fn just_below_and_at_64_pixels() {
        for (w, h) in [(63, 64), (64, 63), (64, 64), (65, 64)] {
            let luma = noise(w, h, 3);
            let a = pdq_from_luma(&luma, w, h).unwrap();
            assert_eq!(a.quality, 100, "{w}×{h}");
            assert!((100..=128).contains(&a.hash.count_ones()), "{w}×{h}");
        }
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert_eq!(pdq_from_luma(&[], 0, 10).unwrap_err().kind(), ErrorKind::Unhashable);
        assert_eq!(pdq_from_luma(&[], 10, 0).unwrap_err().kind(), ErrorKind::Unhashable);
        assert_eq!(
            pdq_from_luma(&[1.0; 99], 10, 10).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            pdq_from_luma(&[1.0; 101], 10, 10).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        let overflow = pdq_from_luma(&[1.0; 4], usize::MAX, 2).unwrap_err();
        assert_eq!(overflow.kind(), ErrorKind::InvalidArgument);
        assert_eq!(
            pdq_dihedral_from_luma(&[1.0; 3], 2, 2).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        let mut nan = noise(10, 10, 4);
        nan[37] = f32::NAN;
        assert_eq!(pdq_from_luma(&nan, 10, 10).unwrap_err().kind(), ErrorKind::InvalidArgument);
        nan[37] = f32::INFINITY;
        assert_eq!(pdq_from_luma(&nan, 10, 10).unwrap_err().kind(), ErrorKind::InvalidArgument);
        // Huge but finite values overflow inside the DCT: an error, not a hang or a panic.
        let huge = vec![f32::MAX; 100];
        let _ = pdq_from_luma(&huge, 10, 10);
        let empty = RgbImage::new(0, 5);
        assert_eq!(pdq_from_rgb(&empty).unwrap_err().kind(), ErrorKind::Unhashable);
        assert_eq!(pdq_dihedral_from_rgb(&empty).unwrap_err().kind(), ErrorKind::Unhashable);
    }

    #[test]
    fn deterministic_and_hasher_reuse_matches_fresh_hashing() {
        let mut hasher = PdqHasher::new();
        for (i, (w, h)) in
            [(300, 200), (17, 90), (64, 64), (300, 200), (5, 5)].into_iter().enumerate()
        {
            let luma = noise(w, h, i as u64);
            let fresh = pdq_from_luma(&luma, w, h).unwrap();
            assert_eq!(hasher.hash_luma(&luma, w, h).unwrap(), fresh);
            assert_eq!(hasher.hash_luma(&luma, w, h).unwrap(), fresh);
        }
    }

    #[test]
    fn rgb_path_equals_luma_path() {
        let rgb = RgbImage::from_fn(97, 61, |x, y| {
            image::Rgb([(x * 7 % 256) as u8, (y * 13 % 256) as u8, ((x * y) % 256) as u8])
        });
        let luma = rgb_to_pdq_luma(&rgb);
        assert_eq!(luma.len(), 97 * 61);
        // f64 arithmetic, one rounding: NumPy (the Python package) gives the f32 with bits
        // 0x40d9_9168 for RGB (0, 11, 3); the C++ library's own f32 formula would give the
        // next float up.
        let one = RgbImage::from_pixel(1, 1, image::Rgb([0, 11, 3]));
        assert_eq!(rgb_to_pdq_luma(&one)[0].to_bits(), 1_088_000_360);
        assert_eq!(pdq_from_rgb(&rgb).unwrap(), pdq_from_luma(&luma, 97, 61).unwrap());
        assert_eq!(
            pdq_dihedral_from_rgb(&rgb).unwrap(),
            pdq_dihedral_from_luma(&luma, 97, 61).unwrap()
        );
    }

    /// The dihedral hashes derived from one DCT equal the hashes of the actually rotated and
    /// flipped pixels. Exact here because the input is built so that every step is symmetric:
    /// integer grey levels on a 64×64 or 320×320 grid (odd blur windows, symmetric decimation).
    #[test]
    fn dihedral_matches_hashing_the_transformed_image() {
        for (side, seed) in [(64, 5), (320, 6)] {
            let luma = noise(side, side, seed);
            let derived = pdq_dihedral_from_luma(&luma, side, side).unwrap();
            for (t, d) in Dihedral::ALL.iter().zip(derived.iter()) {
                let (moved, w, h) = t.apply_to_luma(&luma, side, side).unwrap();
                let direct = PdqHasher::new().dihedral_luma(&moved, w, h).unwrap()[0];
                assert_eq!(direct.hash, d.hash, "{side}: {}", t.name());
                assert_eq!(direct.quality, d.quality);
            }
        }
        // Non-square: the pixel transform swaps width and height.
        let (moved, w, h) = Dihedral::Rotate90.apply_to_luma(&noise(7, 3, 1), 7, 3).unwrap();
        assert_eq!((w, h, moved.len()), (3, 7, 21));
    }

    #[test]
    fn dihedral_dct_transforms_are_a_group_action() {
        let stages = pdq_stages(&noise(80, 50, 9), 80, 50).unwrap();
        for t in Dihedral::ALL {
            let once = t.apply_to_dct(&stages.dct);
            // Rotations by 90° have order 4, everything else order 2 (or 1).
            let order = if matches!(t, Dihedral::Rotate90 | Dihedral::Rotate270) { 4 } else { 2 };
            let mut x = once;
            for _ in 1..order {
                x = t.apply_to_dct(&x);
            }
            assert_eq!(x, stages.dct, "{}", t.name());
        }
        let r90 = Dihedral::Rotate90.apply_to_dct(&stages.dct);
        assert_eq!(
            Dihedral::Rotate90.apply_to_dct(&r90),
            Dihedral::Rotate180.apply_to_dct(&stages.dct)
        );
    }

    /// The vectorised quality equals the reference's pair-by-pair definition (the loop the
    /// reference runs, written out here), on ordinary luma and on values that take the
    /// per-pair fallback: differences past 2^24 and 2^31, infinities and NaN.
    #[test]
    fn quality_equals_the_pairwise_definition() {
        // Indexed as the reference's C loops are.
        #[allow(clippy::needless_range_loop)]
        fn oracle(a: &Downsampled) -> u8 {
            let step = |u: f32, v: f32| i64::from((((u - v) * 100.0) / 255.0) as i32).abs();
            let mut sum = 0i64;
            for i in 0..DOWNSAMPLED_SIDE - 1 {
                for j in 0..DOWNSAMPLED_SIDE {
                    sum += step(a[i][j], a[i + 1][j]);
                }
            }
            for row in a.iter() {
                for j in 0..DOWNSAMPLED_SIDE - 1 {
                    sum += step(row[j], row[j + 1]);
                }
            }
            (sum / 90).min(100) as u8
        }
        let mut rng = crate::transforms::detmath::SplitMix64::new(0x5EED);
        let odd = [1e8, -1e8, 4.3e7, 3e9, -3e9, f32::INFINITY, f32::NEG_INFINITY, f32::NAN];
        let mut seen = std::collections::BTreeSet::new();
        for case in 0..200 {
            let mut a: Downsampled = [[0.0; DOWNSAMPLED_SIDE]; DOWNSAMPLED_SIDE];
            // Smooth to rough images, so that the quality takes many values below the cap.
            let scale = (case % 40) as f32 * 0.3;
            for (i, row) in a.iter_mut().enumerate() {
                for (j, v) in row.iter_mut().enumerate() {
                    let noise = (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
                    *v = 127.0 + (i as f32 - j as f32) * 0.7 + noise * scale;
                }
            }
            if case % 5 == 4 {
                let at = (rng.next_u64() % 4096) as usize;
                a[at / 64][at % 64] = odd[(case / 5) % odd.len()];
            }
            let got = quality_from_downsampled(&a);
            assert_eq!(got, oracle(&a), "case {case}");
            seen.insert(got);
        }
        assert!(seen.len() > 20, "the cases should cover many qualities: {seen:?}");
    }

    #[test]
    fn torben_is_the_lower_median() {
        assert_eq!(torben_median(&[]), 0.0);
        assert_eq!(torben_median(&[3.0]), 3.0);
        assert_eq!(torben_median(&[4.0, 1.0, 3.0, 2.0]), 2.0);
        assert_eq!(torben_median(&[5.0, 1.0, 4.0, 2.0, 3.0]), 3.0);
        assert_eq!(torben_median(&[7.0; 10]), 7.0);
        let v = noise(16, 16, 11);
        let mut sorted = v.clone();
        sorted.sort_by(f32::total_cmp);
        assert_eq!(torben_median(&v), sorted[127]);
    }

    #[test]
    fn dct_matrix_rows_are_orthonormal() {
        let d = dct_matrix();
        for i in 0..DCT_SIDE {
            for j in 0..DCT_SIDE {
                let dot: f64 = (0..64).map(|k| f64::from(d[i][k]) * f64::from(d[j][k])).sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((dot - want).abs() < 1e-6, "rows {i}, {j}: {dot}");
            }
        }
    }

    #[test]
    fn bit_order_puts_the_lowest_frequency_last() {
        // A single cosine of frequency (1, 1): the largest coefficient is (0, 0), bit 255.
        let d = dct_matrix();
        let mut a = Box::new([[0.0f32; 64]; 64]);
        for (r, row) in a.iter_mut().enumerate() {
            for (c, v) in row.iter_mut().enumerate() {
                *v = 100.0 * d[0][r] * d[0][c];
            }
        }
        let dct = dct_64_to_16(&d, &a);
        let (bits, median) = dct_to_bits(&dct);
        assert!(dct[0][0] > 90.0 && median.abs() < 1e-3);
        assert!(bits.bit(255));
        // Bit 255 is the lowest bit of the last hex digit: that digit is odd.
        let last = bits.to_hex().pop().and_then(|c| c.to_digit(16));
        assert_eq!(last.map(|d| d % 2), Some(1));
    }

    /// The straightforward blur and decimation (the implementation before the lane-parallel
    /// one): every pass over the whole image, one line at a time.
    fn oracle_blur_and_decimate(luma: &[f32], w: usize, h: usize) -> Box<Downsampled> {
        let (wr, wc) = (jarosz_window(w, 64), jarosz_window(h, 64));
        let mut buf = luma.to_vec();
        let mut tmp = vec![0.0f32; w * h];
        for _ in 0..JAROSZ_PASSES {
            for (src, dst) in buf.chunks_exact(w).zip(tmp.chunks_exact_mut(w)) {
                box_filter_line(src, dst, wr);
            }
            let mut col = vec![0.0; h];
            let mut out = vec![0.0; h];
            for c in 0..w {
                for r in 0..h {
                    col[r] = tmp[r * w + c];
                }
                box_filter_line(&col, &mut out, wc);
                for r in 0..h {
                    buf[r * w + c] = out[r];
                }
            }
        }
        let mut d = Box::new([[0.0f32; 64]; 64]);
        for (i, row) in d.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = buf[decimation_index(i, h) * w + decimation_index(j, w)];
            }
        }
        d
    }

    /// Non-integer luma (as from RGB) so that every running sum rounds.
    fn fractional_noise(w: usize, h: usize, seed: u64) -> Vec<f32> {
        noise(w, h, seed)
            .iter()
            .enumerate()
            .map(|(i, v)| v * 0.987 + (i % 7) as f32 * 0.1)
            .collect()
    }

    #[test]
    fn fast_blur_is_bit_identical_to_the_oracle() {
        let mut hasher = PdqHasher::new();
        let sizes = [
            (5, 5),
            (7, 13),
            (512, 256),
            (512, 512),
            (63, 64),
            (64, 65),
            (128, 129),
            (129, 128),
            (257, 130),
            (300, 7),
            (9, 301),
            (517, 389),
            (1000, 260),
            (260, 1100),
        ];
        for (k, (w, h)) in sizes.into_iter().enumerate() {
            let luma = fractional_noise(w, h, k as u64 + 40);
            let want = oracle_blur_and_decimate(&luma, w, h);
            let mut got = Box::new([[0.0f32; 64]; 64]);
            hasher.blur_and_decimate(Source::Luma(&luma), w, h, &mut got);
            for (a, b) in got.iter().flatten().zip(want.iter().flatten()) {
                assert_eq!(a.to_bits(), b.to_bits(), "{w}×{h}");
            }
            // The portable build (no AVX2 transposes) as well, whatever this CPU has.
            hasher.blur_and_decimate_portable(Source::Luma(&luma), w, h, &mut got);
            for (a, b) in got.iter().flatten().zip(want.iter().flatten()) {
                assert_eq!(a.to_bits(), b.to_bits(), "{w}×{h} (portable)");
            }
            // And through RGB: the luma computed on the fly equals the luma computed first.
            let rgb = RgbImage::from_fn(w as u32, h as u32, |x, y| {
                let i = (x as usize * 31 + y as usize * 17 + k) as u32;
                image::Rgb([(i % 251) as u8, (i * 7 % 253) as u8, (i * 13 % 255) as u8])
            });
            let want = oracle_blur_and_decimate(&rgb_to_pdq_luma(&rgb), w, h);
            hasher.blur_and_decimate(Source::Rgb(rgb.as_raw()), w, h, &mut got);
            assert_eq!(got, want, "{w}×{h} from RGB");
        }
    }

    /// 8-bit greyscale luma (summed in integers along rows) gives the oracle's bits, in both
    /// builds, for windows 1 to 16 and beyond (where the `f32` lanes take over).
    #[test]
    fn greyscale_blur_is_bit_identical_to_the_oracle() {
        let mut hasher = PdqHasher::new();
        let sizes = [(64, 64), (7, 9), (300, 131), (333, 333), (640, 97), (1500, 70), (2100, 66)];
        for (k, (w, h)) in sizes.into_iter().enumerate() {
            let mut rng = crate::transforms::detmath::SplitMix64::new(k as u64 + 7);
            // Noise, with runs of 0 and 255 (the extremes of the integer sums).
            let gray: Vec<u8> = (0..w * h)
                .map(|i| match (i / 37) % 5 {
                    0 => 0,
                    1 => 255,
                    _ => (rng.next_u64() >> 56) as u8,
                })
                .collect();
            let luma: Vec<f32> = gray.iter().map(|&v| f32::from(v)).collect();
            let want = oracle_blur_and_decimate(&luma, w, h);
            let mut got = Box::new([[0.0f32; 64]; 64]);
            hasher.blur_and_decimate(Source::Gray(&gray), w, h, &mut got);
            assert_eq!(got, want, "{w}×{h}");
            hasher.blur_and_decimate_portable(Source::Gray(&gray), w, h, &mut got);
            assert_eq!(got, want, "{w}×{h} (portable)");
        }
    }

    /// The matrix-product blur gives the same bits compiled for AVX2 and portably.
    #[test]
    fn separable_blur_is_the_same_in_both_builds() {
        let mut hasher = PdqHasher::new();
        let mut rng = crate::transforms::detmath::SplitMix64::new(99);
        for (w, h) in [(512, 341), (333, 97), (1030, 70)] {
            let rgb: Vec<u8> = (0..3 * w * h).map(|_| (rng.next_u64() >> 56) as u8).collect();
            for src in [Source::Rgb(&rgb), Source::Gray(&rgb[..w * h])] {
                let (mut a, mut b) = (Box::new([[0.0f32; 64]; 64]), Box::new([[0.0f32; 64]; 64]));
                hasher.blur_separable(src, w, h, &mut a);
                hasher.blur_separable_generic(src, w, h, &mut b);
                assert_eq!(a, b, "{w}×{h}");
            }
        }
    }

    #[test]
    fn integer_luma_equals_the_f64_definition_on_every_colour() {
        for r in 0..=255u8 {
            for g in 0..=255u8 {
                for b in 0..=255u8 {
                    let (fast, spec) = (luma_of(r, g, b), luma_of_spec(r, g, b));
                    assert_eq!(fast.to_bits(), spec.to_bits(), "({r}, {g}, {b})");
                }
            }
        }
    }

    #[test]
    fn jarosz_windows_and_box_filter() {
        assert_eq!(jarosz_window(64, 64), 1);
        assert_eq!(jarosz_window(128, 64), 1);
        assert_eq!(jarosz_window(129, 64), 2);
        assert_eq!(jarosz_window(1024, 64), 8);
        // Window 3: means of 2, 3, 3, 3, 2 values.
        let mut out = [0.0; 5];
        box_filter_line(&[3.0, 6.0, 9.0, 12.0, 15.0], &mut out, 3);
        assert_eq!(out, [4.5, 6.0, 9.0, 12.0, 13.5]);
        // Window 4 reaches one further right than left: [0, 2], [0, 3], [1, 4], [2, 4], [3, 4].
        box_filter_line(&[3.0, 6.0, 9.0, 12.0, 15.0], &mut out, 4);
        assert_eq!(out, [6.0, 7.5, 10.5, 12.0, 13.5]);
        // The in-place column version agrees with the line version on every column.
        let (w, h) = (3, 5);
        let src: Vec<f32> = (0..15).map(|i| (i * i % 7) as f32).collect();
        let mut dst = src.clone();
        box_filter_columns_in_place(&mut dst, w, h, 4, &mut Vec::new(), &mut Vec::new());
        for c in 0..w {
            let col: Vec<f32> = (0..h).map(|r| src[r * w + c]).collect();
            let mut line = vec![0.0; h];
            box_filter_line(&col, &mut line, 4);
            let got: Vec<f32> = (0..h).map(|r| dst[r * w + c]).collect();
            assert_eq!(got, line);
        }
    }
}
