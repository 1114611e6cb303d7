//! [`LinearScan`]: compare the query with every entry.
//!
//! The hashes are stored contiguously (`words_per_hash` `u64` words each, most significant
//! first), so a scan is a stream through memory doing `XOR` and `popcount` — one instruction
//! each per word on modern CPUs. Distances are computed a chunk at a time into a small
//! buffer (a loop the compiler vectorises), and the chunk is only searched for hits when its
//! minimum is within the radius, which for typical data it rarely is.
//!
//! [`HammingIndex::within_batch`] walks the data in blocks that fit the L2 cache and runs every
//! query of the batch against a block before moving on, so the data is read from memory once
//! per batch instead of once per query.
//!
//! # CPU dispatch
//!
//! On x86-64 the fastest [`Kernel`] the running CPU supports is picked at build time with
//! `is_x86_feature_detected!` (AVX-512 `VPOPCNTDQ`, AVX2, or the scalar `POPCNT`
//! instruction); a portable kernel works everywhere. All kernels run the same source code,
//! compiled with different target features, and give identical answers (tested). No
//! `-C target-cpu=native` is needed.

use std::marker::PhantomData;

use super::{check_len, HammingIndex, Match, TopK};
use crate::error::{Error, ErrorKind, Result};
use crate::hash::HashBits;

/// Entries per distance chunk (a stack buffer of `u32`).
const CHUNK: usize = 256;
/// Bytes of hash data per batch block (fits comfortably in a 512 KiB+ L2 cache).
const BLOCK_BYTES: usize = 128 * 1024;

pub use crate::cpu::Kernel;

/// Distance between one stored hash (`W` words) and the query.
#[inline(always)]
pub(crate) fn dist<const W: usize>(h: &[u64], q: &[u64; W]) -> u32 {
    let mut d = 0;
    for i in 0..W {
        d += (h[i] ^ q[i]).count_ones();
    }
    d
}

/// Fills `buf[i]` with the distance of entry `i` of `chunk`; returns the minimum.
#[inline(always)]
fn chunk_distances<const W: usize>(chunk: &[u64], q: &[u64; W], buf: &mut [u32]) -> u32 {
    for (o, h) in buf.iter_mut().zip(chunk.chunks_exact(W)) {
        *o = dist::<W>(h, q);
    }
    buf.iter().fold(u32::MAX, |m, &d| m.min(d))
}

/// Appends every entry of `data` (first id `first_id`) within `radius`, in id order.
#[inline(always)]
fn within_body<const W: usize>(
    data: &[u64],
    first_id: u32,
    q: &[u64; W],
    radius: u32,
    out: &mut Vec<Match>,
) {
    let mut buf = [0u32; CHUNK];
    for (c, chunk) in data.chunks(CHUNK * W).enumerate() {
        let n = chunk.len() / W;
        let min = chunk_distances::<W>(chunk, q, &mut buf[..n]);
        if min <= radius {
            let base = first_id + (c * CHUNK) as u32;
            for (i, &d) in buf[..n].iter().enumerate() {
                if d <= radius {
                    out.push(Match { id: base + i as u32, distance: d });
                }
            }
        }
    }
}

#[inline(always)]
fn batch_body<const W: usize>(data: &[u64], queries: &[[u64; W]], radius: u32) -> Vec<Vec<Match>> {
    let mut out = vec![Vec::new(); queries.len()];
    let block_words = (BLOCK_BYTES / 8 / W).max(1) * W;
    for (b, block) in data.chunks(block_words).enumerate() {
        let first = (b * (block_words / W)) as u32;
        for (q, o) in queries.iter().zip(out.iter_mut()) {
            within_body::<W>(block, first, q, radius, o);
        }
    }
    out
}

#[inline(always)]
fn nearest_body<const W: usize>(data: &[u64], q: &[u64; W], k: usize) -> Vec<Match> {
    let mut top = TopK::new(k);
    if k == 0 {
        return Vec::new();
    }
    let mut buf = [0u32; CHUNK];
    for (c, chunk) in data.chunks(CHUNK * W).enumerate() {
        let n = chunk.len() / W;
        let min = chunk_distances::<W>(chunk, q, &mut buf[..n]);
        // Ids increase along the scan, so an entry at the current bound never wins a tie.
        if min < top.bound() {
            let base = (c * CHUNK) as u32;
            for (i, &d) in buf[..n].iter().enumerate() {
                if d < top.bound() {
                    top.offer(Match { id: base + i as u32, distance: d });
                }
            }
        }
    }
    top.into_sorted()
}

macro_rules! kernel_module {
    ($name:ident $(, $feat:literal)?) => {
        mod $name {
            use super::*;
            $(#[target_feature(enable = $feat)])?
            pub(super) fn within<const W: usize>(
                data: &[u64],
                first_id: u32,
                q: &[u64; W],
                radius: u32,
                out: &mut Vec<Match>,
            ) {
                within_body::<W>(data, first_id, q, radius, out)
            }
            $(#[target_feature(enable = $feat)])?
            pub(super) fn batch<const W: usize>(
                data: &[u64],
                queries: &[[u64; W]],
                radius: u32,
            ) -> Vec<Vec<Match>> {
                batch_body::<W>(data, queries, radius)
            }
            $(#[target_feature(enable = $feat)])?
            pub(super) fn nearest<const W: usize>(data: &[u64], q: &[u64; W], k: usize) -> Vec<Match> {
                nearest_body::<W>(data, q, k)
            }
        }
    };
}

kernel_module!(portable);
#[cfg(target_arch = "x86_64")]
kernel_module!(popcnt, "popcnt");
#[cfg(target_arch = "x86_64")]
kernel_module!(avx2, "popcnt,avx2");
#[cfg(target_arch = "x86_64")]
kernel_module!(avx512, "popcnt,avx2,avx512f,avx512bw,avx512vl,avx512vpopcntdq");

/// Runs `$f::<W>` of the kernel module selected by `$kernel`.
///
/// SAFETY of the `unsafe` blocks: a `LinearScan` only ever holds a kernel for which
/// [`Kernel::is_available`] returned `true` (checked in `build` and `with_kernel`), so the
/// target features the kernel was compiled for are present on this CPU.
macro_rules! dispatch {
    ($kernel:expr, $f:ident::<$w:ident>($($arg:expr),*)) => {
        match $kernel {
            #[cfg(target_arch = "x86_64")]
            Kernel::Popcnt => unsafe { popcnt::$f::<$w>($($arg),*) },
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => unsafe { avx2::$f::<$w>($($arg),*) },
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => unsafe { avx512::$f::<$w>($($arg),*) },
            _ => portable::$f::<$w>($($arg),*),
        }
    };
}

/// Exact search by comparing the query with every entry. See the [index module docs](crate::index).
///
/// ```
/// use hashscope::index::{HammingIndex, LinearScan, Match};
/// use hashscope::Bits64;
/// let hashes: Vec<Bits64> = (0..100u64).map(|i| Bits64::from_words([i])).collect();
/// let scan = LinearScan::build(&hashes).unwrap();
/// // only entry 1 equals the query; entries 0, 3, 5, 9, ... are one bit away
/// let hits = scan.within(&Bits64::from_words([1]), 0);
/// assert_eq!(hits, vec![Match { id: 1, distance: 0 }]);
/// assert_eq!(scan.nearest(&Bits64::from_words([1]), 3).len(), 3);
/// ```
#[derive(Debug, Clone)]
pub struct LinearScan<B> {
    words: Vec<u64>,
    len: usize,
    kernel: Kernel,
    _bits: PhantomData<fn() -> B>,
}

impl<B: HashBits> LinearScan<B> {
    /// Copies `hashes` into contiguous storage and picks the fastest available [`Kernel`].
    pub fn build(hashes: &[B]) -> Result<Self> {
        check_len(hashes.len())?;
        let mut words = Vec::with_capacity(hashes.len() * Self::words_per_hash());
        for h in hashes {
            words.extend_from_slice(h.as_words());
        }
        Ok(LinearScan { words, len: hashes.len(), kernel: Kernel::detect(), _bits: PhantomData })
    }

    /// The same index using `kernel` instead (for tests and benchmarks); an
    /// [`ErrorKind::InvalidArgument`] error if this CPU does not support it.
    pub fn with_kernel(mut self, kernel: Kernel) -> Result<Self> {
        if !kernel.is_available() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("the {} kernel is not supported by this CPU", kernel.name()),
            ));
        }
        self.kernel = kernel;
        Ok(self)
    }

    /// The kernel in use.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// `u64` words per hash (`B::WIDTH / 64`).
    pub const fn words_per_hash() -> usize {
        (B::WIDTH as usize).div_ceil(64)
    }

    /// The stored words of all entries, entry after entry.
    pub(crate) fn raw_words(&self) -> &[u64] {
        &self.words
    }

    /// The hash with id `id` (`None` if out of range).
    pub fn get(&self, id: u32) -> Option<B> {
        let w = Self::words_per_hash();
        let start = (id as usize).checked_mul(w)?;
        self.words.get(start..start + w).and_then(B::try_from_words)
    }

    fn within_generic<const W: usize>(&self, q: &B, radius: u32) -> Vec<Match> {
        let Ok(q) = <[u64; W]>::try_from(q.as_words()) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        dispatch!(self.kernel, within::<W>(&self.words, 0, &q, radius, &mut out));
        out.sort_unstable();
        out
    }

    fn batch_generic<const W: usize>(&self, queries: &[B], radius: u32) -> Vec<Vec<Match>> {
        let qs: Vec<[u64; W]> =
            queries.iter().filter_map(|q| <[u64; W]>::try_from(q.as_words()).ok()).collect();
        let mut out = dispatch!(self.kernel, batch::<W>(&self.words, &qs, radius));
        for o in &mut out {
            o.sort_unstable();
        }
        out
    }

    fn nearest_generic<const W: usize>(&self, q: &B, k: usize) -> Vec<Match> {
        let Ok(q) = <[u64; W]>::try_from(q.as_words()) else {
            return Vec::new();
        };
        dispatch!(self.kernel, nearest::<W>(&self.words, &q, k))
    }

    /// Brute force over `B::distance` for widths without a specialised kernel.
    fn fallback_within(&self, q: &B, radius: u32) -> Vec<Match> {
        let w = Self::words_per_hash();
        let mut out: Vec<Match> = self
            .words
            .chunks_exact(w)
            .enumerate()
            .filter_map(|(i, h)| {
                let d = B::try_from_words(h).map_or(u32::MAX, |h| h.distance(q));
                (d <= radius).then_some(Match { id: i as u32, distance: d })
            })
            .collect();
        out.sort_unstable();
        out
    }

    fn fallback_nearest(&self, q: &B, k: usize) -> Vec<Match> {
        let w = Self::words_per_hash();
        let mut top = TopK::new(k);
        for (i, h) in self.words.chunks_exact(w).enumerate() {
            let d = B::try_from_words(h).map_or(u32::MAX, |h| h.distance(q));
            top.offer(Match { id: i as u32, distance: d });
        }
        top.into_sorted()
    }
}

impl<B: HashBits> HammingIndex<B> for LinearScan<B> {
    fn len(&self) -> usize {
        self.len
    }

    fn within(&self, query: &B, radius: u32) -> Vec<Match> {
        match Self::words_per_hash() {
            1 => self.within_generic::<1>(query, radius),
            2 => self.within_generic::<2>(query, radius),
            4 => self.within_generic::<4>(query, radius),
            _ => self.fallback_within(query, radius),
        }
    }

    fn within_batch(&self, queries: &[B], radius: u32) -> Vec<Vec<Match>> {
        match Self::words_per_hash() {
            1 => self.batch_generic::<1>(queries, radius),
            2 => self.batch_generic::<2>(queries, radius),
            4 => self.batch_generic::<4>(queries, radius),
            _ => queries.iter().map(|q| self.fallback_within(q, radius)).collect(),
        }
    }

    fn nearest(&self, query: &B, k: usize) -> Vec<Match> {
        match Self::words_per_hash() {
            1 => self.nearest_generic::<1>(query, k),
            2 => self.nearest_generic::<2>(query, k),
            4 => self.nearest_generic::<4>(query, k),
            _ => self.fallback_nearest(query, k),
        }
    }

    fn memory_bytes(&self) -> usize {
        self.words.capacity() * 8 + std::mem::size_of::<Self>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{Bits, Bits256, Bits64};
    use crate::index::{brute_force_nearest, brute_force_within};

    fn rng(seed: u64) -> impl FnMut() -> u64 {
        let mut s = seed;
        move || {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
    }

    fn check_all_kernels<const N: usize>(n: usize, radii: &[u32]) {
        let mut r = rng(n as u64 + N as u64);
        // clustered: few centres, so that hits exist; chunk boundaries (256, 4096) crossed
        let centres: Vec<[u64; N]> = (0..4).map(|_| std::array::from_fn(|_| r())).collect();
        let hashes: Vec<Bits<N>> = (0..n)
            .map(|i| {
                let mut w = centres[i % 4];
                w[0] ^= 1 << (r() % 64);
                w[N - 1] ^= r() & r() & r() & r();
                Bits::from_words(w)
            })
            .collect();
        let queries: Vec<Bits<N>> = (0..9)
            .map(|i| {
                let mut w = centres[i % 4];
                if i > 5 {
                    w = std::array::from_fn(|_| r());
                }
                w[0] ^= r() & r() & r();
                Bits::from_words(w)
            })
            .collect();
        for kernel in Kernel::available() {
            let scan = LinearScan::build(&hashes).unwrap().with_kernel(kernel).unwrap();
            for &radius in radii {
                let batch = scan.within_batch(&queries, radius);
                for (q, b) in queries.iter().zip(&batch) {
                    let want = brute_force_within(&hashes, q, radius);
                    assert_eq!(scan.within(q, radius), want, "{kernel:?} r={radius}");
                    assert_eq!(b, &want, "batch {kernel:?} r={radius}");
                }
            }
            for q in &queries {
                for k in [0, 1, 7, n + 1] {
                    assert_eq!(
                        scan.nearest(q, k),
                        brute_force_nearest(&hashes, q, k),
                        "{kernel:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_kernel_agrees_with_brute_force_64() {
        eprintln!("kernels available: {:?}", Kernel::available());
        check_all_kernels::<1>(10_000, &[0, 3, 8, 20, 64]);
    }

    #[test]
    fn every_kernel_agrees_with_brute_force_256() {
        check_all_kernels::<4>(5_000, &[0, 10, 31, 100, 256]);
    }

    #[test]
    fn odd_widths_use_fallback_or_generic() {
        check_all_kernels::<2>(300, &[0, 20, 128]);
        check_all_kernels::<3>(300, &[0, 20, 192]);
    }

    #[test]
    fn get_and_memory() {
        let h = [Bits256::from_words([1, 2, 3, 4]), Bits256::zero()];
        let s = LinearScan::build(&h).unwrap();
        assert_eq!(s.get(0), Some(h[0]));
        assert_eq!(s.get(2), None);
        assert!(s.memory_bytes() >= 64);
        let e = LinearScan::<Bits64>::build(&[]).unwrap();
        assert!(e.within(&Bits64::zero(), 64).is_empty());
        assert!(e.within_batch(&[Bits64::zero()], 64)[0].is_empty());
    }
}
