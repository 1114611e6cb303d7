//! The exact all-pairs / probe×list Hamming-distance counter behind
//! [`ImpostorHistogram`](super::ImpostorHistogram).
//!
//! # How it is fast
//!
//! - The list side is transposed once into word-major ("structure of arrays") order, so the
//!   distance loop reads each hash word from a contiguous array and the compiler can
//!   vectorise XOR + popcount over columns.
//! - Columns are processed in tiles of [`TILE`] hashes (≤ 32 KiB, L1-resident) against a
//!   block of rows; the distances of one row × tile go to a small buffer, then into the
//!   histogram.
//! - The histogram has [`LANES`] private copies of `u32` counters, used round-robin, so that
//!   consecutive increments of the same bin (most distances are near `width/2`) do not wait on
//!   each other's store-to-load forwarding. Copies are flushed into `u64` totals per tile.
//! - Rayon splits the rows into blocks; each block returns its own counts, and the blocks'
//!   counts are added. Counts are integers, so the result is identical for every thread
//!   count and order.
//! - The same generic code is compiled several times with different `target_feature`s and
//!   chosen at run time ([`Kernel`]): baseline x86-64 has no POPCNT instruction, and with
//!   AVX-512 VPOPCNTDQ the distance loop becomes eight popcounts per instruction. Results are
//!   identical by construction (integer arithmetic) and by test.

use rayon::prelude::*;

use crate::error::Result;
use crate::hash::HashBits;

/// Columns per tile: 2048 × 64-bit words = 16 KiB per word of hash width (64 KiB at 256 bits,
/// L2-resident; rows stream past it).
pub(crate) const TILE: usize = 2048;
/// Private histogram copies.
const LANES: usize = 4;

pub use crate::cpu::Kernel;

/// Counts produced by one pass: the pair histogram and, if asked, each row's minimum
/// distance (`u32::MAX` for a row with no columns).
pub(crate) struct Counted {
    pub pairs: Vec<u64>,
    pub row_min: Vec<u32>,
}

/// Hashes flattened to words. `aos`: row-major (`NW` words per hash); `soa`: word-major
/// (`soa[w * len + j]` is word `w` of hash `j`).
struct Flat {
    aos: Vec<u64>,
    soa: Vec<u64>,
    len: usize,
}

fn flatten<H: HashBits>(items: &[H], nw: usize, want_soa: bool) -> Option<Flat> {
    let len = items.len();
    let mut aos = Vec::with_capacity(len * nw);
    for h in items {
        let w = h.as_words();
        if w.len() != nw {
            return None;
        }
        aos.extend_from_slice(w);
    }
    let soa = if want_soa {
        let mut soa = vec![0u64; len * nw];
        for (j, chunk) in aos.chunks_exact(nw).enumerate() {
            for (w, &v) in chunk.iter().enumerate() {
                soa[w * len + j] = v;
            }
        }
        soa
    } else {
        Vec::new()
    };
    Some(Flat { aos, soa, len })
}

/// Counts Hamming distances over all unordered pairs `i < j` of `items` (`triangle`), or
/// over all `rows × cols` pairs. `track_min` also records each row's minimum distance.
pub(crate) fn count<H: HashBits>(
    rows: &[H],
    cols: Option<&[H]>,
    track_min: bool,
    kernel: Kernel,
) -> Result<Counted> {
    kernel.check()?;
    let width = H::WIDTH as usize;
    let nw = width / 64;
    let fast = width.is_multiple_of(64) && (1..=4).contains(&nw);
    if fast {
        let flat_rows = flatten(rows, nw, cols.is_none());
        let flat_cols = match cols {
            Some(c) => flatten(c, nw, true),
            None => None,
        };
        if let Some(r) = flat_rows {
            let c = match (cols, flat_cols) {
                (None, _) => None,
                (Some(_), Some(c)) => Some(c),
                (Some(_), None) => return Ok(count_slow(rows, cols, track_min)),
            };
            let c_ref = c.as_ref().unwrap_or(&r);
            let triangle = cols.is_none();
            return Ok(match (nw, track_min) {
                (1, false) => run::<1, 128, false>(&r, c_ref, triangle, kernel),
                (1, true) => run::<1, 128, true>(&r, c_ref, triangle, kernel),
                (2, false) => run::<2, 256, false>(&r, c_ref, triangle, kernel),
                (2, true) => run::<2, 256, true>(&r, c_ref, triangle, kernel),
                (3, false) => run::<3, 256, false>(&r, c_ref, triangle, kernel),
                (3, true) => run::<3, 256, true>(&r, c_ref, triangle, kernel),
                (4, false) => run::<4, 512, false>(&r, c_ref, triangle, kernel),
                _ => run::<4, 512, true>(&r, c_ref, triangle, kernel),
            });
        }
    }
    Ok(count_slow(rows, cols, track_min))
}

/// The straightforward double loop through [`HashBits::distance`]: the fallback for widths
/// the fast path does not cover, and the reference the fast path is tested against.
pub(crate) fn count_slow<H: HashBits>(rows: &[H], cols: Option<&[H]>, track_min: bool) -> Counted {
    let width = H::WIDTH as usize;
    let mut pairs = vec![0u64; width + 1];
    let mut row_min = vec![u32::MAX; if track_min { rows.len() } else { 0 }];
    for (i, a) in rows.iter().enumerate() {
        let others = match cols {
            Some(c) => c,
            None => &rows[i + 1..],
        };
        for b in others {
            let d = a.distance(b);
            pairs[(d as usize).min(width)] += 1;
            if track_min && d < row_min[i] {
                row_min[i] = d;
            }
        }
    }
    Counted { pairs, row_min }
}

fn run<const NW: usize, const HS: usize, const MIN: bool>(
    rows: &Flat,
    cols: &Flat,
    triangle: bool,
    kernel: Kernel,
) -> Counted {
    let n = rows.len;
    let width = 64 * NW;
    let threads = rayon::current_num_threads().max(1);
    // Enough blocks for work stealing to even out the triangle, few enough to amortise.
    let block = (n / (threads * 16)).clamp(8, 256);
    let mut row_min = vec![u32::MAX; if MIN { n } else { 0 }];
    let blocks: Vec<(usize, usize)> =
        (0..n).step_by(block).map(|s| (s, (s + block).min(n))).collect();
    let fold = |mut acc: Vec<u64>, ((r0, r1), mins): ((usize, usize), &mut [u32])| {
        let args = Block {
            rows: &rows.aos[r0 * NW..r1 * NW],
            row0: r0,
            soa: &cols.soa,
            m: cols.len,
            triangle,
        };
        dispatch::<NW, HS, MIN>(kernel, &args, &mut acc, mins);
        acc
    };
    let pairs = if MIN {
        blocks
            .par_iter()
            .copied()
            .zip(row_min.par_chunks_mut(block))
            .fold(|| vec![0u64; width + 1], fold)
            .reduce(|| vec![0u64; width + 1], add_counts)
    } else {
        blocks
            .par_iter()
            .map(|&b| (b, &mut [][..]))
            .fold(|| vec![0u64; width + 1], fold)
            .reduce(|| vec![0u64; width + 1], add_counts)
    };
    Counted { pairs, row_min }
}

fn add_counts(mut a: Vec<u64>, b: Vec<u64>) -> Vec<u64> {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
    a
}

/// One block of rows against all columns.
struct Block<'a> {
    /// `NW` words per row, row-major.
    rows: &'a [u64],
    /// Global index of the first row (for the triangle).
    row0: usize,
    /// Columns, word-major, `m` per word.
    soa: &'a [u64],
    m: usize,
    /// Only count columns `j > i` (all pairs within one set).
    triangle: bool,
}

fn dispatch<const NW: usize, const HS: usize, const MIN: bool>(
    kernel: Kernel,
    b: &Block<'_>,
    out: &mut [u64],
    mins: &mut [u32],
) {
    match kernel {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `count` checked `kernel.is_available()`, i.e. the CPU has POPCNT.
        Kernel::Popcnt => unsafe { x86::block_popcnt::<NW, HS, MIN>(b, out, mins) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `count` checked that the CPU has AVX2 and POPCNT.
        Kernel::Avx2 => unsafe { x86::block_avx2::<NW, HS, MIN>(b, out, mins) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `count` checked that the CPU has AVX-512F, VPOPCNTDQ and POPCNT.
        Kernel::Avx512 => unsafe { x86::block_avx512::<NW, HS, MIN>(b, out, mins) },
        _ => block::<NW, HS, MIN>(b, out, mins),
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{block, Block};

    #[target_feature(enable = "popcnt")]
    pub(super) unsafe fn block_popcnt<const NW: usize, const HS: usize, const MIN: bool>(
        b: &Block<'_>,
        out: &mut [u64],
        mins: &mut [u32],
    ) {
        block::<NW, HS, MIN>(b, out, mins)
    }

    #[target_feature(enable = "popcnt,avx2")]
    pub(super) unsafe fn block_avx2<const NW: usize, const HS: usize, const MIN: bool>(
        b: &Block<'_>,
        out: &mut [u64],
        mins: &mut [u32],
    ) {
        block::<NW, HS, MIN>(b, out, mins)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt,avx2,avx512f,avx512vpopcntdq")]
    pub(super) unsafe fn block_avx512<const NW: usize, const HS: usize, const MIN: bool>(
        b: &Block<'_>,
        out: &mut [u64],
        mins: &mut [u32],
    ) {
        block::<NW, HS, MIN>(b, out, mins)
    }
}

/// The kernel body, inlined into each `target_feature` variant.
#[inline(always)]
fn block<const NW: usize, const HS: usize, const MIN: bool>(
    b: &Block<'_>,
    out: &mut [u64],
    mins: &mut [u32],
) {
    let nrows = b.rows.len() / NW;
    let m = b.m;
    let mut hist = [[0u32; HS]; LANES];
    let mut buf = [0u16; TILE];
    // In the triangle, row i pairs with columns i+1.., so the block needs columns row0+1..
    let first_col = if b.triangle { b.row0 + 1 } else { 0 };
    let mut t0 = first_col;
    while t0 < m {
        let t1 = (t0 + TILE).min(m);
        for (r, row) in b.rows.chunks_exact(NW).enumerate() {
            let c0 = if b.triangle { t0.max(b.row0 + r + 1) } else { t0 };
            if c0 >= t1 {
                continue;
            }
            let len = t1 - c0;
            let mut a = [0u64; NW];
            a.copy_from_slice(row);
            let cols: [&[u64]; NW] = std::array::from_fn(|w| &b.soa[w * m + c0..][..len]);
            let dist = &mut buf[..len];
            for (jj, d) in dist.iter_mut().enumerate() {
                let mut s = 0u32;
                for w in 0..NW {
                    s += (a[w] ^ cols[w][jj]).count_ones();
                }
                *d = s as u16;
            }
            let mut chunks = dist.chunks_exact(LANES);
            for c in &mut chunks {
                for (lane, &d) in c.iter().enumerate() {
                    hist[lane][d as usize & (HS - 1)] += 1;
                }
            }
            for &d in chunks.remainder() {
                hist[0][d as usize & (HS - 1)] += 1;
            }
            if MIN {
                if let Some(&mn) = dist.iter().min() {
                    if let Some(slot) = mins.get_mut(r) {
                        *slot = (*slot).min(u32::from(mn));
                    }
                }
            }
        }
        // Flush: at most nrows × TILE ≤ 2^19 counts per lane since the last flush.
        for lane in hist.iter_mut() {
            for (o, h) in out.iter_mut().zip(lane.iter_mut()) {
                *o += u64::from(*h);
                *h = 0;
            }
        }
        t0 = t1;
    }
    debug_assert!(nrows <= 256);
}
