//! [`MultiIndex`]: multi-index hashing (Norouzi, Punjani & Fleet, "Fast Search in Hamming
//! Space with Multi-Index Hashing", CVPR 2012).
//!
//! # Idea
//!
//! Cut every `WIDTH`-bit hash into `m` disjoint substrings (contiguous bit ranges) and build one
//! table per substring that maps a substring value to the ids of the entries having it.
//!
//! **Pigeonhole.** If `distance(q, h) <= r`, the `m` substring distances add up to at most
//! `r`, so at least one of them is at most `⌊r / m⌋`. Hence probing every table with all
//! values within `⌊r / m⌋` of the query's substring finds every entry within `r` of `q` —
//! plus *candidates* that are not, which are removed by computing the full distance.
//!
//! We use the slightly sharper form from the paper: write `r = m·r' + a` with `0 <= a < m`.
//! If substrings `0..=a` were all at distance `>= r' + 1` and the others at `>= r'`, the total
//! would be at least `(a + 1)(r' + 1) + (m - a - 1) r' = r + 1 > r`. So it suffices to probe
//! tables `0..=a` within `r'` and the remaining tables within `r' - 1` (not at all when
//! `r' = 0`). An entry can be found in several tables; results are deduplicated.
//!
//! # Layout and choice of `m`
//!
//! Each table is a CSR structure: an `offsets` array indexed directly by the substring value
//! (`2^b + 1` entries for a `b`-bit substring) and an array of *records* grouped by value.
//! A record holds the entry's id and a *filter*: for 64-bit hashes the whole hash (12 bytes
//! per record), for wider hashes 96 bits taken from words other than the table's own
//! substring (16 bytes). The filter's distance to the query is a lower bound of the full
//! distance (for 64-bit hashes it is the distance), so a bucket is filtered by reading
//! contiguous memory; only the survivors — true matches, and for PDQ at `r = 31` about one
//! random candidate in 2,500 — are deduplicated (sort, then dedup) and verified against the
//! full hash. No candidate needs a random read into the hash array before it has passed the
//! filter.
//!
//! The paper picks substrings of about `log2 N` bits, so that a bucket holds about one entry.
//! With contiguous records a candidate is cheap and a probe (a random bucket) is the expensive
//! part, so [`MultiIndex::build`] picks substrings of `log2 N - 4` bits (about 16 entries per
//! bucket; clamped to 8..=24 bits): at `N = 10^6`, 4 tables of 16 bits for 64-bit hashes and
//! 16 of 16 bits for PDQ, whose `65,537`-entry offsets (256 KiB per table) stay in cache.
//! PDQ at `r = 31` then probes every table within `⌊31/16⌋ = 1`: 17 buckets per table, 272 per
//! query, ≈ 4,150 records. [`MultiIndex::with_substrings`] overrides `m`. Measured at
//! `N = 10^6` (uniform, one thread, shared machine, queries per CPU-second): 64-bit `r = 8`:
//! `m = 3` ≈ 57k, `m = 4` ≈ 142k, `m = 5` ≈ 86k; PDQ `r = 31`: `m = 13` ≈ 16k, `m = 16` ≈
//! 43k, `m = 18` ≈ 20k. The price is at tiny radii, where wide substrings need few probes
//! and find almost no candidates: 64-bit `r = 4` went from ≈ 1.2M to ≈ 0.86M queries/s.
//!
//! The record and offset arrays are allocated with a request for transparent huge pages
//! (`madvise`, Linux only, advice only): with 4 KiB pages nearly every bucket read was also a
//! TLB miss, and asking for huge pages made PDQ `r = 31` about 1.5–2× faster.
//!
//! A search runs in passes: enumerate the bucket slots (prefetching the offsets), read the
//! bucket ranges, then filter the buckets while prefetching the records of the bucket
//! `AHEAD` (8) positions later — prefetching all buckets at once overflows L1 (≈ 40–80 KiB of
//! records per query) and was 1.5× slower.
//!
//! # Fallback
//!
//! The number of probes grows like `C(b, r')`, so at large radii multi-index hashing does
//! more work than a scan. Before a search the expected work (probes plus expected candidates,
//! assuming uniformly spread substrings) is compared with a linear scan, and the scan is used
//! when it is cheaper. Because real data is not uniform (clustered hashes fill a few buckets),
//! the search also counts the candidates it actually verifies and switches to the scan when
//! they exceed the scan's cost. Either way the answer is exact.
//!
//! `nearest(k)` searches radii `m - 1, 2m - 1, 3m - 1, …` (each probes all tables one step
//! further) until at least `k` entries are found — then the first `k` of that result are
//! exactly the `k` nearest — or the scan becomes cheaper.

use std::fmt;

use super::linear::{dist, LinearScan};
use super::{check_len, HammingIndex, Match};
use crate::error::{Error, ErrorKind, Result};
use crate::hash::HashBits;

/// Relative costs used to decide between probing and scanning, in units of "one 64-bit entry
/// compared by the AVX-512 linear scan" (≈ 0.14 ns). Calibrated on the benchmark machine
/// (AMD EPYC, N = 10^6): a probe reads two offsets from a table that fits in L2/L3 (≈ 6 ns),
/// a candidate is one record of a bucket at a random place in a multi-megabyte array, mostly
/// a DRAM read overlapped with others by prefetching (≈ 3.5 ns), and a 256-bit entry costs a
/// scan ≈ 13 units.
const PROBE_COST: f64 = 40.0;
const CANDIDATE_COST: f64 = 25.0;

/// Linear-scan cost of one entry of `W` words, in the units above.
fn scan_cost(words: usize) -> f64 {
    if words == 1 {
        1.0
    } else {
        3.0 * words as f64
    }
}

/// Substring width [`MultiIndex::build`] aims for: `log2 N - 4` bits (about 16 entries per
/// bucket), clamped to `8..=24`.
fn target_bits(n: usize) -> f64 {
    ((n.max(2) as f64).log2().round() - 4.0).clamp(8.0, 24.0)
}

#[derive(Debug, Clone)]
struct Table {
    /// First bit position of the substring (0 = most significant bit).
    start: u32,
    /// Substring width in bits, `1..=24`.
    bits: u32,
    /// Where this table's `2^bits + 1` offsets start in `MultiIndex::offsets`.
    offsets_base: usize,
    /// Where this table's `N` records start in the record array.
    recs_base: usize,
    /// Filter bits stored in each record: the whole word `w64` of the hash, and 32 bits of
    /// word `w32` shifted right by `sh32` (for 64-bit hashes: the whole hash, nothing else).
    w64: usize,
    w32: usize,
    sh32: u32,
}

/// One entry of one table: the entry's id and some of its hash bits (the *filter*).
///
/// The filter distance to the query is a lower bound of the full distance (the filter bits
/// are distinct bit positions of the hash), and for 64-bit hashes it *is* the full distance.
trait Rec: Copy + Send + Sync + fmt::Debug + 'static {
    const ZERO: Self;
    fn make(k64: u64, k32: u32, id: u32) -> Self;
    fn id(self) -> u32;
    /// Distance of the filter bits to the query's `(q64, q32)`.
    fn filter_distance(self, q64: u64, q32: u32) -> u32;
}

/// Record for 64-bit hashes: the whole hash and the id, 12 bytes.
#[derive(Clone, Copy, Debug)]
#[repr(C, packed(4))]
struct Rec12 {
    hash: u64,
    id: u32,
}

impl Rec for Rec12 {
    const ZERO: Self = Rec12 { hash: 0, id: 0 };
    #[inline(always)]
    fn make(k64: u64, _: u32, id: u32) -> Self {
        Rec12 { hash: k64, id }
    }
    #[inline(always)]
    fn id(self) -> u32 {
        self.id
    }
    #[inline(always)]
    fn filter_distance(self, q64: u64, _: u32) -> u32 {
        let h = self.hash;
        (h ^ q64).count_ones()
    }
}

/// Record for wider hashes: 96 filter bits and the id, 16 bytes.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
struct Rec16 {
    k64: u64,
    k32: u32,
    id: u32,
}

impl Rec for Rec16 {
    const ZERO: Self = Rec16 { k64: 0, k32: 0, id: 0 };
    #[inline(always)]
    fn make(k64: u64, k32: u32, id: u32) -> Self {
        Rec16 { k64, k32, id }
    }
    #[inline(always)]
    fn id(self) -> u32 {
        self.id
    }
    #[inline(always)]
    fn filter_distance(self, q64: u64, q32: u32) -> u32 {
        (self.k64 ^ q64).count_ones() + (self.k32 ^ q32).count_ones()
    }
}

/// Hints the CPU to fetch the cache line holding `p` (no effect on results).
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint; it never faults, even for invalid addresses.
    #[allow(unused_unsafe)]
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// How many buckets ahead of the one being filtered the search prefetches records: enough
/// to keep memory busy, few enough that the prefetched lines are still in L1 when read.
const AHEAD: usize = 8;

/// Prefetches the records `recs[lo..hi]`.
#[inline(always)]
fn prefetch_range<R>(recs: &[R], lo: usize, hi: usize) {
    let per_line = (64 / std::mem::size_of::<R>()).max(1);
    for i in (lo..hi).step_by(per_line) {
        prefetch(recs.as_ptr().wrapping_add(i));
    }
    prefetch(recs.as_ptr().wrapping_add(hi - 1));
}

/// The `len`-bit substring starting at bit position `start` (MSB-first), as a number.
#[inline(always)]
fn extract(words: &[u64], start: u32, len: u32) -> u32 {
    let w = (start / 64) as usize;
    let off = start % 64;
    let top = if off + len <= 64 || w + 1 >= words.len() {
        words[w] << off
    } else {
        (words[w] << off) | (words[w + 1] >> (64 - off))
    };
    (top >> (64 - len)) as u32
}

fn binomial(n: u32, k: u32) -> f64 {
    if k > n {
        return 0.0;
    }
    let k = k.min(n - k);
    (0..k).fold(1.0, |acc, i| acc * f64::from(n - i) / f64::from(i + 1))
}

/// Calls `f` with every `bits`-bit mask having exactly `s` bits set (Gosper's hack).
#[inline(always)]
fn for_each_mask(bits: u32, s: u32, mut f: impl FnMut(u32) -> bool) -> bool {
    if s > bits {
        return true;
    }
    if s == 0 {
        return f(0);
    }
    let limit = 1u64 << bits;
    let mut mask: u64 = (1u64 << s) - 1;
    while mask < limit {
        if !f(mask as u32) {
            return false;
        }
        let c = mask & mask.wrapping_neg();
        let r = mask + c;
        mask = (((r ^ mask) >> 2) / c) | r;
    }
    true
}

/// Exact search by multi-index hashing. See the [index module docs](crate::index).
///
/// ```
/// use hashscope::index::{HammingIndex, MultiIndex};
/// use hashscope::Bits256;
/// let mut hashes = vec![Bits256::from_words([1, 2, 3, 4]); 2];
/// hashes[1].flip(200);
/// let index = MultiIndex::build(&hashes).unwrap();
/// assert_eq!(index.within(&hashes[0], 0).len(), 1);
/// assert_eq!(index.within(&hashes[0], 1).len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct MultiIndex<B> {
    scan: LinearScan<B>,
    tables: Vec<Table>,
    /// All tables' CSR offsets, concatenated: for table `t` and substring value `v`, the
    /// records are `recs[t.recs_base + offsets[t.offsets_base + v] .. t.recs_base +
    /// offsets[t.offsets_base + v + 1]]`.
    offsets: Vec<u32>,
    /// Records of 64-bit indexes (empty otherwise), grouped by table, then substring value.
    recs12: Vec<Rec12>,
    /// Records of wider indexes (empty for 64-bit ones), grouped likewise.
    recs16: Vec<Rec16>,
    popcnt: bool,
    /// Never fall back to the linear scan (tests and benchmarks).
    always_probe: bool,
}

impl<B: HashBits> MultiIndex<B> {
    /// Builds the index with substrings of about `log2 N - 4` bits (clamped to 8..=24), so
    /// that a bucket holds about 16 entries: `m = round(WIDTH / bits)`. At `N = 10^6` that is
    /// 4 substrings of 16 bits for 64-bit hashes and 16 of 16 bits for PDQ.
    pub fn build(hashes: &[B]) -> Result<Self> {
        let width = B::WIDTH as usize;
        let m = ((f64::from(B::WIDTH) / target_bits(hashes.len())).round() as usize)
            .clamp(width.div_ceil(24), width.max(1));
        Self::with_substrings(hashes, m)
    }

    /// Builds the index with `m` substrings (`1..=WIDTH`, each at most 24 bits wide: `m >=
    /// WIDTH / 24`); an [`ErrorKind::InvalidArgument`] error otherwise.
    pub fn with_substrings(hashes: &[B], m: usize) -> Result<Self> {
        check_len(hashes.len())?;
        let width = B::WIDTH as usize;
        if m == 0 || m > width || width.div_ceil(m) > 24 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "multi-index hashing over {width} bits needs {} to {width} substrings, got {m}",
                    width.div_ceil(24)
                ),
            ));
        }
        let scan = LinearScan::build(hashes)?;
        let wph = LinearScan::<B>::words_per_hash();
        let words = scan.raw_words();
        let n = hashes.len();
        // The first `width % m` substrings are one bit wider.
        let (base, extra) = (width / m, width % m);
        let mut tables = Vec::with_capacity(m);
        let mut start = 0u32;
        let mut offsets_len = 0;
        for j in 0..m {
            let bits = (base + usize::from(j < extra)) as u32;
            // Filter words: other words than the substring's own (when there are any).
            let own = (start / 64) as usize;
            let (w64, w32, sh32) = match wph {
                1 => (0, 0, 0),
                // The half of the own word that the substring does not start in.
                2 => (1 - own, own, if start % 64 < 32 { 0 } else { 32 }),
                _ => ((own + 1) % wph, (own + 2) % wph, 32),
            };
            tables.push(Table {
                start,
                bits,
                offsets_base: offsets_len,
                recs_base: j * n,
                w64,
                w32,
                sh32,
            });
            offsets_len += (1usize << bits) + 1;
            start += bits;
        }
        let mut offsets = vec![0u32; offsets_len];
        let (recs12, recs16) = if wph == 1 {
            (fill_tables::<Rec12>(&tables, &mut offsets, words, wph, n), Vec::new())
        } else {
            (Vec::new(), fill_tables::<Rec16>(&tables, &mut offsets, words, wph, n))
        };
        Ok(MultiIndex {
            scan,
            tables,
            offsets,
            recs12,
            recs16,
            popcnt: has_popcnt(),
            always_probe: false,
        })
    }

    /// The same index, but never falling back to a linear scan, even when probing is
    /// expected to be slower (for tests and benchmarks; the answers are the same).
    pub fn always_probing(mut self) -> Self {
        self.always_probe = true;
        self
    }

    /// Number of substrings (tables), `m`.
    pub fn substrings(&self) -> usize {
        self.tables.len()
    }

    /// Width in bits of each substring, in order.
    pub fn substring_bits(&self) -> Vec<u32> {
        self.tables.iter().map(|t| t.bits).collect()
    }

    /// Probe radius of table `j` for search radius `radius` (`None`: not probed).
    fn table_radius(&self, j: usize, radius: u32) -> Option<u32> {
        let m = self.tables.len() as u32;
        let (r1, a) = (radius / m, radius % m);
        if j as u32 <= a {
            Some(r1)
        } else {
            r1.checked_sub(1)
        }
    }

    /// Whether probing is expected to be cheaper than scanning at this radius.
    fn probing_pays(&self, radius: u32) -> bool {
        let n = self.scan.len() as f64;
        if self.always_probe {
            return true;
        }
        if radius >= B::WIDTH || n == 0.0 {
            return false;
        }
        let mut cost = 0.0;
        for (j, t) in self.tables.iter().enumerate() {
            if let Some(rj) = self.table_radius(j, radius) {
                let probes: f64 = (0..=rj.min(t.bits)).map(|s| binomial(t.bits, s)).sum();
                cost += probes * (PROBE_COST + CANDIDATE_COST * n / (1u64 << t.bits) as f64);
            }
        }
        cost < n * scan_cost(LinearScan::<B>::words_per_hash())
    }

    /// Probes the tables; `None` if the candidates exceeded the scan budget.
    ///
    /// The work is split into passes (bucket slots, then record ranges, then the records)
    /// with software prefetches, so that the CPU has many independent memory reads in flight
    /// instead of one chain of dependent cache misses per probe. Records are filtered in
    /// place; for hashes wider than 64 bits the survivors (true matches, and rarely an entry
    /// within the radius on its 96 filter bits only) are deduplicated and then verified
    /// against the full hash.
    #[inline(always)]
    fn probe_body<const W: usize, R: Rec>(
        &self,
        recs: &[R],
        q: &[u64; W],
        radius: u32,
    ) -> Option<Vec<Match>> {
        let budget = (self.scan.len() as f64 * scan_cost(W) / CANDIDATE_COST) as usize + 64;
        // Pass 1: which buckets to read (index into `offsets`, and the table).
        let mut slots: Vec<(usize, usize)> = Vec::new();
        let mut filters: Vec<(u64, u32)> = Vec::with_capacity(self.tables.len());
        for (j, t) in self.tables.iter().enumerate() {
            filters.push((q[t.w64], (q[t.w32] >> t.sh32) as u32));
            let Some(rj) = self.table_radius(j, radius) else { continue };
            let key = extract(q, t.start, t.bits);
            for s in 0..=rj.min(t.bits) {
                for_each_mask(t.bits, s, |mask| {
                    let slot = t.offsets_base + (key ^ mask) as usize;
                    prefetch(self.offsets.as_ptr().wrapping_add(slot));
                    slots.push((slot, j));
                    true
                });
            }
        }
        // Pass 2: record ranges; prefetch the records.
        let mut ranges: Vec<(usize, usize, usize)> = Vec::with_capacity(slots.len());
        let mut total = 0usize;
        for &(slot, j) in &slots {
            let base = self.tables[j].recs_base;
            let lo = base + self.offsets[slot] as usize;
            let hi = base + self.offsets[slot + 1] as usize;
            if hi > lo {
                if ranges.len() < AHEAD {
                    prefetch_range(recs, lo, hi);
                }
                ranges.push((lo, hi, j));
                total += hi - lo;
            }
        }
        if total > budget && !self.always_probe {
            return None;
        }
        // Pass 3: filter the records.
        let mut out = Vec::new();
        if W == 1 {
            // The filter is the whole hash: its distance is the answer.
            for (i, &(lo, hi, j)) in ranges.iter().enumerate() {
                if let Some(&(lo, hi, _)) = ranges.get(i + AHEAD) {
                    prefetch_range(recs, lo, hi);
                }
                let (q64, q32) = filters[j];
                for &rec in &recs[lo..hi] {
                    let d = rec.filter_distance(q64, q32);
                    if d <= radius {
                        out.push(Match { id: rec.id(), distance: d });
                    }
                }
            }
        } else {
            let mut cands: Vec<u32> = Vec::new();
            for (i, &(lo, hi, j)) in ranges.iter().enumerate() {
                if let Some(&(lo, hi, _)) = ranges.get(i + AHEAD) {
                    prefetch_range(recs, lo, hi);
                }
                let (q64, q32) = filters[j];
                for &rec in &recs[lo..hi] {
                    if rec.filter_distance(q64, q32) <= radius {
                        cands.push(rec.id());
                    }
                }
            }
            // Pass 4: deduplicate the survivors and verify them.
            cands.sort_unstable();
            cands.dedup();
            let words = self.scan.raw_words();
            for &id in &cands {
                prefetch(words.as_ptr().wrapping_add(id as usize * W));
            }
            for &id in &cands {
                let i = id as usize * W;
                let d = dist::<W>(&words[i..i + W], q);
                if d <= radius {
                    out.push(Match { id, distance: d });
                }
            }
        }
        out.sort_unstable();
        out.dedup_by_key(|m| m.id);
        Some(out)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    fn probe_popcnt<const W: usize, R: Rec>(
        &self,
        recs: &[R],
        q: &[u64; W],
        radius: u32,
    ) -> Option<Vec<Match>> {
        self.probe_body::<W, R>(recs, q, radius)
    }

    fn probe_recs<const W: usize, R: Rec>(
        &self,
        recs: &[R],
        q: &[u64; W],
        radius: u32,
    ) -> Option<Vec<Match>> {
        #[cfg(target_arch = "x86_64")]
        if self.popcnt {
            // SAFETY: `popcnt` is true only if the CPU has the POPCNT instruction.
            return unsafe { self.probe_popcnt::<W, R>(recs, q, radius) };
        }
        self.probe_body::<W, R>(recs, q, radius)
    }

    fn probe<const W: usize>(&self, q: &B, radius: u32) -> Option<Vec<Match>> {
        let q: [u64; W] = q.as_words().try_into().ok()?;
        if W == 1 {
            self.probe_recs::<W, Rec12>(&self.recs12, &q, radius)
        } else {
            self.probe_recs::<W, Rec16>(&self.recs16, &q, radius)
        }
    }

    /// Whether [`within`](HammingIndex::within) at `radius` would probe the tables (`true`)
    /// or go straight to a linear scan (`false`) — for benchmarks and the docs.
    pub fn probes_at(&self, radius: u32) -> bool {
        self.probing_pays(radius)
    }
}

/// A vector of `len` copies of `value` whose memory the kernel is asked to back with huge
/// pages (Linux, `madvise(MADV_HUGEPAGE)`; elsewhere, or if refused, ordinary pages).
///
/// Every probe reads a bucket at a random place in hundreds of megabytes of records; with
/// 4 KiB pages nearly each one is also a TLB miss and a page walk, which limits how many
/// reads can be in flight. The advice changes only speed, never contents.
fn huge_vec<T: Copy>(len: usize, value: T) -> Vec<T> {
    let mut v: Vec<T> = Vec::with_capacity(len);
    advise_huge_pages(v.as_mut_ptr().cast(), len * std::mem::size_of::<T>());
    v.resize(len, value);
    v
}

#[cfg(target_os = "linux")]
fn advise_huge_pages(ptr: *mut u8, bytes: usize) {
    const HUGE: usize = 2 << 20;
    const MADV_HUGEPAGE: i32 = 14;
    extern "C" {
        fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: i32) -> i32;
    }
    // Only whole huge pages inside the allocation.
    let start = (ptr as usize).next_multiple_of(HUGE);
    let end = (ptr as usize + bytes) / HUGE * HUGE;
    if end > start {
        // SAFETY: the range lies inside an allocation we own; MADV_HUGEPAGE is advice only
        // (it does not change the contents or validity of the memory) and errors are ignored.
        unsafe {
            madvise(start as *mut std::ffi::c_void, end - start, MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_: *mut u8, _: usize) {}

/// Fills every table's offsets and records (a counting sort by substring value per table).
fn fill_tables<R: Rec>(
    tables: &[Table],
    offsets: &mut [u32],
    words: &[u64],
    wph: usize,
    n: usize,
) -> Vec<R> {
    let mut recs = huge_vec(tables.len() * n, R::ZERO);
    let mut keys = vec![0u32; n];
    for t in tables {
        let size = 1usize << t.bits;
        let offs = &mut offsets[t.offsets_base..t.offsets_base + size + 1];
        for (k, h) in keys.iter_mut().zip(words.chunks_exact(wph)) {
            *k = extract(h, t.start, t.bits);
            offs[*k as usize + 1] += 1;
        }
        for v in 0..size {
            offs[v + 1] += offs[v];
        }
        let mut fill = offs[..size].to_vec();
        let table = &mut recs[t.recs_base..t.recs_base + n];
        for (id, (&k, h)) in keys.iter().zip(words.chunks_exact(wph)).enumerate() {
            let slot = &mut fill[k as usize];
            table[*slot as usize] = R::make(h[t.w64], (h[t.w32] >> t.sh32) as u32, id as u32);
            *slot += 1;
        }
    }
    recs
}

fn has_popcnt() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("popcnt")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl<B: HashBits> HammingIndex<B> for MultiIndex<B> {
    fn len(&self) -> usize {
        self.scan.len()
    }

    fn within(&self, query: &B, radius: u32) -> Vec<Match> {
        if self.probing_pays(radius) {
            let probed = match LinearScan::<B>::words_per_hash() {
                1 => self.probe::<1>(query, radius),
                2 => self.probe::<2>(query, radius),
                3 => self.probe::<3>(query, radius),
                4 => self.probe::<4>(query, radius),
                _ => None,
            };
            if let Some(found) = probed {
                return found;
            }
        }
        self.scan.within(query, radius)
    }

    fn nearest(&self, query: &B, k: usize) -> Vec<Match> {
        if k == 0 || self.is_empty() {
            return Vec::new();
        }
        let m = self.tables.len() as u32;
        let mut radius = m - 1;
        while radius < B::WIDTH && self.probing_pays(radius) {
            let mut found = self.within(query, radius);
            if found.len() >= k {
                found.truncate(k);
                return found;
            }
            radius += m;
        }
        self.scan.nearest(query, k)
    }

    fn memory_bytes(&self) -> usize {
        self.scan.memory_bytes()
            + self.offsets.capacity() * 4
            + self.recs12.capacity() * std::mem::size_of::<Rec12>()
            + self.recs16.capacity() * std::mem::size_of::<Rec16>()
            + self.tables.capacity() * std::mem::size_of::<Table>()
            + std::mem::size_of::<Self>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{Bits, Bits256, Bits64};
    use crate::index::{brute_force_nearest, brute_force_within};

    #[test]
    fn extract_reads_msb_first_and_across_words() {
        let w = [0xF000_0000_0000_000Fu64, 0x8000_0000_0000_0001];
        assert_eq!(extract(&w, 0, 4), 0xF);
        assert_eq!(extract(&w, 60, 4), 0xF);
        assert_eq!(extract(&w, 60, 5), 0x1F);
        assert_eq!(extract(&w, 61, 5), 0b11110);
        assert_eq!(extract(&w, 127, 1), 1);
    }

    #[test]
    fn masks_are_enumerated_exactly() {
        for bits in [1, 5, 16] {
            for s in 0..=bits.min(4) {
                let mut seen = Vec::new();
                for_each_mask(bits, s, |m| {
                    seen.push(m);
                    true
                });
                assert_eq!(seen.len() as f64, binomial(bits, s));
                assert!(seen.iter().all(|m| m.count_ones() == s && (*m as u64) < 1u64 << bits));
            }
        }
    }

    #[test]
    fn every_m_is_exact() {
        let mut s = 7u64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let base: Vec<u64> = (0..4).map(|_| next()).collect();
        let hashes: Vec<Bits64> = (0..2000)
            .map(|i| Bits64::from_words([base[i % 4] ^ (next() & next() & next())]))
            .collect();
        for m in [3, 4, 5, 7, 16, 64] {
            let idx = MultiIndex::with_substrings(&hashes, m).unwrap();
            let forced = idx.clone().always_probing();
            for q in hashes.iter().take(20) {
                for r in [0, 1, 2, 5, 9, 20] {
                    let want = brute_force_within(&hashes, q, r);
                    assert_eq!(idx.within(q, r), want, "m={m} r={r}");
                    assert_eq!(forced.within(q, r), want, "forced m={m} r={r}");
                }
                assert_eq!(idx.nearest(q, 5), brute_force_nearest(&hashes, q, 5));
                assert_eq!(forced.nearest(q, 5), brute_force_nearest(&hashes, q, 5));
            }
        }
        assert!(MultiIndex::with_substrings(&hashes, 0).is_err());
        assert!(MultiIndex::with_substrings(&hashes, 2).is_err());
        let h256 = vec![Bits256::from_words([1, 2, 3, 4]); 3];
        assert!(MultiIndex::with_substrings(&h256, 10).is_err());
        assert_eq!(MultiIndex::with_substrings(&h256, 11).unwrap().within(&h256[0], 0).len(), 3);
    }

    #[test]
    fn wide_hashes_are_exact_when_probing() {
        // 96 filter bits per record are only a lower bound for 128/192/256-bit hashes.
        fn run<const N: usize>()
        where
            Bits<N>: HashBits,
        {
            let mut s = 11u64 + N as u64;
            let mut next = || {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                s
            };
            let base: Vec<[u64; N]> = (0..3).map(|_| std::array::from_fn(|_| next())).collect();
            let hashes: Vec<Bits<N>> = (0..1500)
                .map(|i| {
                    Bits::from_words(std::array::from_fn(|w| {
                        base[i % 3][w] ^ (next() & next() & next() & next())
                    }))
                })
                .collect();
            let width = 64 * N;
            for m in [width / 24 + 1, width / 16, width / 8] {
                let idx = MultiIndex::with_substrings(&hashes, m).unwrap().always_probing();
                for q in hashes.iter().take(8) {
                    for r in [0, 3, width as u32 / 16, width as u32 / 8, width as u32 / 4] {
                        let want = brute_force_within(&hashes, q, r);
                        assert_eq!(idx.within(q, r), want, "N={N} m={m} r={r}");
                    }
                }
            }
        }
        run::<2>();
        run::<3>();
        run::<4>();
    }

    #[test]
    fn chooses_substrings_from_n() {
        // log2 N - 4 bits, at least 8
        let h = vec![Bits64::zero(); 1 << 10];
        assert_eq!(MultiIndex::build(&h).unwrap().substring_bits(), vec![8; 8]);
        let h = vec![Bits256::zero(); 10];
        assert_eq!(MultiIndex::build(&h).unwrap().substrings(), 32);
        let h = vec![Bits256::zero(); 1 << 16];
        assert_eq!(MultiIndex::build(&h).unwrap().substrings(), 21); // 256 / 12
        let h = vec![Bits64::zero(); 1 << 20];
        assert_eq!(MultiIndex::build(&h).unwrap().substring_bits(), vec![16; 4]);
        let h = vec![Bits256::zero(); 1_000_000];
        assert_eq!(MultiIndex::build(&h).unwrap().substring_bits(), vec![16; 16]);
    }
}
