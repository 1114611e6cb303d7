//! All-pairs impostor histogram: the blocked, multi-threaded, CPU-dispatched counter against
//! the straightforward single-threaded double loop, for 64- and 256-bit hashes.
//!
//! Run with: `cargo bench --bench pairs -- --warm-up-time 1 --measurement-time 3`.
//! Throughput is in pairs (`N (N - 1) / 2`), so criterion reports pairs per second.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hashscope::{Bits, HashBits, ImpostorHistogram, Kernel};
use std::hint::black_box;

/// Deterministic pseudo-random hashes (SplitMix64).
fn hashes<const N: usize>(count: usize, seed: u64) -> Vec<Bits<N>> {
    let mut s = seed;
    let mut next = || {
        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    (0..count).map(|_| Bits::<N>::from_words(std::array::from_fn(|_| next()))).collect()
}

fn bench_width<const N: usize>(c: &mut Criterion, sizes: &[usize], loop_max: usize) {
    let bits = Bits::<N>::WIDTH;
    let mut g = c.benchmark_group(format!("all_pairs_{bits}bit"));
    g.sample_size(10);
    for &n in sizes {
        let items = hashes::<N>(n, n as u64);
        let pairs = (n as u64) * (n as u64 - 1) / 2;
        g.throughput(Throughput::Elements(pairs));
        for k in Kernel::available() {
            g.bench_with_input(
                BenchmarkId::new(format!("blocked_{}", k.name()), n),
                &items,
                |b, it| b.iter(|| ImpostorHistogram::all_pairs_with(black_box(it), k)),
            );
        }
        if n <= loop_max {
            g.bench_with_input(BenchmarkId::new("double_loop", n), &items, |b, it| {
                b.iter(|| ImpostorHistogram::brute_force(black_box(it), None))
            });
        }
    }
    g.finish();
}

fn all_pairs(c: &mut Criterion) {
    bench_width::<1>(c, &[2_000, 20_000, 100_000], 20_000);
    bench_width::<4>(c, &[2_000, 20_000], 20_000);
}

criterion_group!(benches, all_pairs);
criterion_main!(benches);
