//! Exact Hamming search: build time and queries/s of the three indexes.
//!
//! Groups (all single-threaded, seeded data):
//! - `query64/<data>/N=<n>/r=<r>` and `query256/<data>/N=<n>/r=<r>`: one benchmark per index
//!   (`linear`, `bktree`, `mih`), throughput in queries, so criterion reports queries/s and
//!   the figures of one group are directly comparable. `<data>` is `uniform` (independent
//!   random hashes and queries: results are almost always empty) or `clustered` (entries are
//!   centres plus a few flipped bits, queries are perturbed centres: queries do hit).
//! - `build64`, `build256`: index construction.
//!
//! Memory per entry and the BK-tree's visited fraction are printed to stderr once.
//! Quick run: `cargo bench --bench index -- --warm-up-time 1 --measurement-time 3 'query64/uniform/N=1000000/r=8'`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hashscope::index::{BkTree, HammingIndex, LinearScan, MultiIndex};
use hashscope::{Bits, HashBits};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn random<const N: usize>(rng: &mut Rng) -> Bits<N> {
    Bits::from_words(std::array::from_fn(|_| rng.next()))
}

fn perturb<const N: usize>(rng: &mut Rng, mut b: Bits<N>, max_flips: u64) -> Bits<N> {
    for _ in 0..rng.below(max_flips + 1) {
        b.flip(rng.below(64 * N as u64) as usize);
    }
    b
}

/// `(entries, queries)`: uniform, or clustered around `n / 64` centres with up to
/// `WIDTH / 16` flipped bits (4 for 64-bit, 16 for PDQ); clustered queries flip up to
/// `WIDTH / 8` bits of a centre.
fn data<const N: usize>(
    n: usize,
    queries: usize,
    clustered: bool,
    seed: u64,
) -> (Vec<Bits<N>>, Vec<Bits<N>>) {
    let mut rng = Rng(seed ^ (n as u64) << 8 ^ N as u64);
    if !clustered {
        let e = (0..n).map(|_| random(&mut rng)).collect();
        let q = (0..queries).map(|_| random(&mut rng)).collect();
        return (e, q);
    }
    let width = 64 * N as u64;
    let centres: Vec<Bits<N>> = (0..(n / 64).max(1)).map(|_| random(&mut rng)).collect();
    let e = (0..n)
        .map(|_| {
            let c = centres[rng.below(centres.len() as u64) as usize];
            perturb(&mut rng, c, width / 16)
        })
        .collect();
    let q = (0..queries)
        .map(|_| {
            let c = centres[rng.below(centres.len() as u64) as usize];
            perturb(&mut rng, c, width / 8)
        })
        .collect();
    (e, q)
}

fn sizes() -> Vec<usize> {
    vec![10_000, 100_000, 1_000_000]
}

fn query_bench<const N: usize>(c: &mut Criterion, radii: &[u32])
where
    Bits<N>: HashBits,
{
    let width = 64 * N;
    for clustered in [false, true] {
        let kind = if clustered { "clustered" } else { "uniform" };
        for n in sizes() {
            let (entries, queries) = data::<N>(n, 1024, clustered, 0x5EED);
            let linear = LinearScan::build(&entries).unwrap();
            let bk = BkTree::build(&entries).unwrap();
            let mih = MultiIndex::build(&entries).unwrap();
            if clustered && n == 1_000_000 {
                for (name, bytes) in [
                    ("linear", linear.memory_bytes()),
                    ("bktree", bk.memory_bytes()),
                    ("mih", mih.memory_bytes()),
                ] {
                    eprintln!(
                        "memory {width}-bit N={n} {name}: {:.1} bytes/entry",
                        bytes as f64 / n as f64
                    );
                }
                eprintln!(
                    "mih {width}-bit N={n}: m={} substrings {:?}",
                    mih.substrings(),
                    mih.substring_bits()
                );
            }
            for &r in radii {
                let mut group = c.benchmark_group(format!("query{width}/{kind}/N={n}/r={r}"));
                group.sample_size(10);
                group.warm_up_time(Duration::from_secs(1));
                let hits: usize = queries[..64].iter().map(|q| mih.within(q, r).len()).sum();
                let (_, st) = bk.within_stats(&queries[0], r);
                eprintln!(
                    "{width}-bit {kind} N={n} r={r}: {:.1} hits/query, bktree visits {:.1}% of nodes, mih probes={}",
                    hits as f64 / 64.0,
                    100.0 * st.fraction(),
                    mih.probes_at(r)
                );
                let indexes: [(&str, &dyn HammingIndex<Bits<N>>, usize); 3] = [
                    ("linear", &linear, (4_000_000 / n).clamp(8, 1024)),
                    ("bktree", &bk, (2_000_000 / n).clamp(4, 1024)),
                    ("mih", &mih, 1024),
                ];
                for (name, index, batch) in indexes {
                    let qs = &queries[..batch];
                    group.throughput(Throughput::Elements(batch as u64));
                    group.bench_with_input(BenchmarkId::from_parameter(name), &qs, |b, qs| {
                        b.iter(|| {
                            let mut total = 0usize;
                            for q in qs.iter() {
                                total += index.within(black_box(q), r).len();
                            }
                            total
                        })
                    });
                }
                if n <= 100_000 {
                    group.throughput(Throughput::Elements(1024));
                    group.bench_function("linear-batch", |b| {
                        b.iter(|| linear.within_batch(black_box(&queries), r).len())
                    });
                }
                group.finish();
            }
        }
    }
}

fn build_bench<const N: usize>(c: &mut Criterion)
where
    Bits<N>: HashBits,
{
    let width = 64 * N;
    let mut group = c.benchmark_group(format!("build{width}"));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    for n in [100_000, 1_000_000] {
        let (entries, _) = data::<N>(n, 0, false, 0xB11D);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("linear", n), &entries, |b, e| {
            b.iter(|| LinearScan::build(e).unwrap().len())
        });
        group.bench_with_input(BenchmarkId::new("bktree", n), &entries, |b, e| {
            b.iter(|| BkTree::build(e).unwrap().len())
        });
        group.bench_with_input(BenchmarkId::new("mih", n), &entries, |b, e| {
            b.iter(|| MultiIndex::build(e).unwrap().len())
        });
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    query_bench::<1>(c, &[0, 4, 8, 12]);
    query_bench::<4>(c, &[16, 31]);
    build_bench::<1>(c);
    build_bench::<4>(c);
}

criterion_group!(index, benches);
criterion_main!(index);
