//! The adversaries of `hashscope::attack`, on the benign fixtures.
//!
//! Fast tests run on a fixed, seeded subset; the `#[ignore]`d `figures_*` tests print the
//! measured figures over all of `fixtures/corpus` (run them with
//! `RAYON_NUM_THREADS=1 cargo test --release --test attack -- --ignored --nocapture`).

mod common;

use hashscope::attack::invert::identify;
use hashscope::attack::model::LinearModel;
use hashscope::attack::outcome::{hash_image, Goal};
use hashscope::attack::{
    collide, evade, evade_black_box, AttackOutcome, BlackBoxOptions, CollideOptions, EvadeOptions,
};
use hashscope::corpus::collect_images;
use hashscope::transforms::Transform;
use hashscope::{load_rgb8, Algorithm, DecodeLimits, ImageHash};
use image::RgbImage;
use proptest::prelude::*;

/// Every image of a fixture folder, decoded, with its path relative to `fixtures/`.
fn images(folder: &str) -> Vec<(String, RgbImage)> {
    let root = common::fixture(folder);
    collect_images(&[&root])
        .unwrap()
        .files
        .into_iter()
        .map(|f| {
            let rgb = load_rgb8(&f.path, &DecodeLimits::default()).unwrap();
            (format!("{folder}/{}", f.relative.display()), rgb)
        })
        .collect()
}

/// Model bits vs the hasher's bits over a set of images.
#[derive(Debug, Default)]
struct Agreement {
    /// Images compared (those the model accepts).
    n: usize,
    /// Images too small for the model.
    skipped: usize,
    /// Images with at least one differing bit.
    images_off: usize,
    /// Differing bits in all.
    bits_off: u32,
    /// Largest `|c − median|` of a differing bit's model coefficient.
    worst_gap: f64,
}

fn model_agreement(algo: Algorithm, set: &[(String, RgbImage)]) -> Agreement {
    let mut a = Agreement::default();
    for (_, rgb) in set {
        let Ok(model) = LinearModel::new(algo, rgb.width() as usize, rgb.height() as usize) else {
            a.skipped += 1;
            continue;
        };
        let x = model.forward(&model.luma(rgb));
        let (bits, m) = model.bits(&x);
        let (hash, _) = hash_image(algo, rgb).unwrap();
        let mut off = 0;
        for (i, &b) in bits.iter().enumerate() {
            if hash.value().bit(model.bit_position(i)) != b {
                off += 1;
                a.worst_gap = a.worst_gap.max((x[i] - m).abs());
            }
        }
        a.n += 1;
        a.images_off += usize::from(off > 0);
        a.bits_off += off;
    }
    a
}

/// The linear model reproduces PDQ bit for bit on every fixture it accepts (side ≥ 16 px). For
/// pHash it cannot: Pillow rounds its luma, the intermediate image of the two resampling passes
/// and the 32×32 thumbnail to 8 bits. Each thumbnail pixel is then off by at most
/// `0.5 (1 + s + s²)` grey levels, `s` = 1.2 bounding the sum of |LANCZOS weights|, and a
/// coefficient `2·2·Σ cos·cos` over 32×32 pixels by at most 4096 times that; a bit may differ
/// only when the model puts its coefficient within twice this of the median.
#[test]
fn model_reproduces_the_hashers_on_every_fixture() {
    let mut set = images("corpus");
    set.extend(images("lossless"));
    let pdq = model_agreement(Algorithm::Pdq, &set);
    println!("pdq: {pdq:?}");
    assert_eq!((pdq.images_off, pdq.bits_off), (0, 0), "PDQ model differs from the hasher");
    assert!(pdq.n + pdq.skipped == set.len() && pdq.skipped <= 5, "{pdq:?}");
    let ph = model_agreement(Algorithm::PHash, &set);
    println!("phash: {ph:?}");
    let bound = 2.0 * 4096.0 * 0.5 * (1.0 + 1.2 + 1.2 * 1.2);
    assert!(ph.worst_gap <= bound, "pHash bit off by more than rounding: {ph:?}");
}

/// A seeded sample of `k` corpus images (the same every run).
fn sample(k: usize, seed: u64) -> Vec<(String, RgbImage)> {
    let root = common::fixture("corpus");
    let files = collect_images(&[&root]).unwrap().files;
    let names: Vec<String> = files.iter().map(|f| f.relative.display().to_string()).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    hashscope::eval::seed::sample_indices(&refs, k, seed)
        .into_iter()
        .map(|i| (names[i].clone(), load_rgb8(&files[i].path, &DecodeLimits::default()).unwrap()))
        .collect()
}

/// Writes the outcome's PNG to a temporary file, reads it back with the ordinary loader and
/// re-hashes it: (distance to `reference`, JPEG-q distance if asked, PDQ quality).
fn rehash_from_file(
    o: &AttackOutcome,
    reference: &ImageHash,
    jpeg: Option<u8>,
    tag: &str,
) -> (u32, Option<u32>, Option<u8>) {
    let path =
        std::env::temp_dir().join(format!("hashscope-attack-{}-{tag}.png", std::process::id()));
    std::fs::write(&path, &o.png).unwrap();
    let back = load_rgb8(&path, &DecodeLimits::default()).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(back, o.image, "{tag}: the outcome's image is not what its PNG decodes to");
    let (h, q) = hash_image(reference.algorithm(), &back).unwrap();
    let j = jpeg.map(|q| {
        let jp = Transform::Jpeg { quality: q }.apply(&back, 0).unwrap();
        hash_image(reference.algorithm(), &jp).unwrap().0.distance(reference).unwrap()
    });
    (h.distance(reference).unwrap(), j, q)
}

/// The verdict recomputed from the file, independently of the attack's own bookkeeping.
fn verdict(goal: Goal, threshold: u32, d: u32, j: Option<u32>, q: Option<u8>) -> bool {
    let ok = |d: u32| match goal {
        Goal::Beyond => d > threshold,
        Goal::Within => d <= threshold,
    };
    ok(d) && j.is_none_or(ok) && (goal == Goal::Beyond || q.is_none_or(|q| q >= 50))
}

#[test]
fn evasion_succeeds_as_judged_from_the_written_file() {
    for algo in [Algorithm::Pdq, Algorithm::PHash] {
        for (name, rgb) in sample(4, 8) {
            let opts = EvadeOptions::new(algo);
            let o = evade(&rgb, &opts).unwrap();
            let (original, _) = hash_image(algo, &rgb).unwrap();
            let (d, j, q) = rehash_from_file(&o, &original, None, &name.replace('/', "_"));
            assert_eq!(d, o.verification.distance, "{algo} {name}");
            assert!(
                o.success && verdict(Goal::Beyond, opts.threshold, d, j, q),
                "{algo} {name}: {d}"
            );
            assert!(o.psnr > 35.0, "{algo} {name}: PSNR {}", o.psnr);
        }
    }
}

#[test]
fn jpeg_robust_evasion_survives_re_encoding() {
    for (name, rgb) in sample(2, 9) {
        let opts = EvadeOptions { jpeg: Some(90), ..EvadeOptions::new(Algorithm::Pdq) };
        let o = evade(&rgb, &opts).unwrap();
        let (original, _) = hash_image(Algorithm::Pdq, &rgb).unwrap();
        let (d, j, q) = rehash_from_file(&o, &original, Some(90), &name.replace('/', "_"));
        assert!(o.success && verdict(Goal::Beyond, 31, d, j, q), "{name}: {d} {j:?}");
    }
}

#[test]
fn collision_lands_within_the_threshold_of_an_unrelated_target() {
    let set = sample(4, 10);
    for k in 0..2 {
        let (name, source) = &set[k];
        let (target, _) = hash_image(Algorithm::Pdq, &set[k + 2].1).unwrap();
        let (own, _) = hash_image(Algorithm::Pdq, source).unwrap();
        assert!(own.distance(&target).unwrap() > 31, "pick unrelated images");
        let opts = CollideOptions { jpeg: Some(90), ..CollideOptions::new(Algorithm::Pdq) };
        let o = collide(source, &target, &opts).unwrap();
        let (d, j, q) = rehash_from_file(&o, &target, Some(90), &name.replace('/', "_"));
        assert!(o.success && verdict(Goal::Within, 31, d, j, q), "{name}: {d} {j:?} {q:?}");
    }
}

#[test]
fn attacks_are_deterministic() {
    let (_, rgb) = &sample(1, 11)[0];
    let opts = EvadeOptions { jpeg: Some(90), ..EvadeOptions::new(Algorithm::Pdq) };
    assert_eq!(evade(rgb, &opts).unwrap().png, evade(rgb, &opts).unwrap().png);
    let bb = BlackBoxOptions { max_queries: 300, seed: 5, ..BlackBoxOptions::new(Algorithm::Pdq) };
    let (a, b) = (evade_black_box(rgb, &bb).unwrap(), evade_black_box(rgb, &bb).unwrap());
    assert_eq!((a.png, a.queries), (b.png, b.queries));
}

#[test]
fn black_box_respects_its_query_budget_and_is_judged_from_the_file() {
    for (name, rgb) in sample(2, 12) {
        let bb = BlackBoxOptions { max_queries: 400, ..BlackBoxOptions::new(Algorithm::Pdq) };
        let o = evade_black_box(&rgb, &bb).unwrap();
        assert!(o.queries <= 400, "{name}: {} queries", o.queries);
        let (original, _) = hash_image(Algorithm::Pdq, &rgb).unwrap();
        let (d, j, q) = rehash_from_file(&o, &original, None, &name.replace('/', "_"));
        assert_eq!(o.success, verdict(Goal::Beyond, 31, d, j, q), "{name}");
    }
}

#[test]
fn a_hash_identifies_its_image_among_others() {
    let images: Vec<RgbImage> = sample(12, 13).into_iter().map(|(_, r)| r).collect();
    let id = identify(Algorithm::Pdq, &images, true).unwrap();
    assert!(id.rank1_rate >= 0.9, "rank-1 {}", id.rank1_rate);
    assert!(median(&id.own) > 0.6 && median(&id.wrong).abs() < 0.2, "{id:?}");
}

/// A synthetic image from a seed: a few bright and dark rectangles on a gradient.
fn synthetic(w: u32, h: u32, seed: u64) -> RgbImage {
    let r = |k: u64| hashscope::eval::seed::mix64(seed ^ k);
    RgbImage::from_fn(w, h, |x, y| {
        let mut v = (x * 255 / w) as i64 / 2 + (y * 255 / h) as i64 / 3;
        for k in 0..6 {
            let (x0, y0) = ((r(4 * k) % u64::from(w)) as u32, (r(4 * k + 1) % u64::from(h)) as u32);
            let (dx, dy) = (1 + (r(4 * k + 2) % 40) as u32, 1 + (r(4 * k + 3) % 40) as u32);
            if x >= x0 && x < x0 + dx && y >= y0 && y < y0 + dy {
                v += if k % 2 == 0 { 90 } else { -90 };
            }
        }
        let g = v.clamp(0, 255) as u8;
        image::Rgb([g, g.saturating_add(20), g / 2])
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 10,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x6174_7461),
        ..ProptestConfig::default()
    })]

    /// No attack reports a success that re-hashing its file contradicts, whatever the image,
    /// threshold or effort (few rounds make failures likely, which must be reported as such).
    #[test]
    fn reported_success_is_what_the_file_shows(
        w in 64u32..140, h in 64u32..140, seed in any::<u64>(),
        threshold in 1u32..80, rounds in 1u32..4, jpeg in proptest::option::of(60u8..95),
        pdq in any::<bool>(),
    ) {
        let algo = if pdq { Algorithm::Pdq } else { Algorithm::PHash };
        let threshold = if pdq { threshold } else { threshold.min(30) };
        let rgb = synthetic(w, h, seed);
        let (own, _) = hash_image(algo, &rgb).unwrap();
        let e = evade(&rgb, &EvadeOptions { algorithm: algo, threshold, jpeg, max_rounds: rounds }).unwrap();
        let (d, j, q) = rehash_from_file(&e, &own, jpeg, "prop-evade");
        prop_assert_eq!(e.success, verdict(Goal::Beyond, threshold, d, j, q));
        let target_img = synthetic(w, h, seed ^ 0xdead_beef);
        let (target, _) = hash_image(algo, &target_img).unwrap();
        let c = collide(&rgb, &target, &CollideOptions { threshold, jpeg, max_rounds: rounds }).unwrap();
        let (d, j, q) = rehash_from_file(&c, &target, jpeg, "prop-collide");
        prop_assert_eq!(c.success, verdict(Goal::Within, threshold, d, j, q));
    }
}

// ---------------------------------------------------------------------------------------------
// Figures over the whole corpus (ignored by default: minutes in release)
// ---------------------------------------------------------------------------------------------

/// Median of a list (mean of the middle two for even length); NaN when empty.
fn median(v: &[f64]) -> f64 {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The corpus images, or a seeded sample of `limit` of them (the variable `ATTACK_LIMIT`
/// overrides `limit`; 0 = all).
fn corpus_for_figures(limit: usize) -> Vec<(String, RgbImage)> {
    let k =
        std::env::var("ATTACK_LIMIT").ok().and_then(|v| v.parse::<usize>().ok()).unwrap_or(limit);
    if k == 0 {
        images("corpus")
    } else {
        sample(k, 2026)
    }
}

/// Success count, PSNR (of successes), SSIM, time, over one attack on every image.
struct Tally {
    label: String,
    n: usize,
    ok: usize,
    errors: usize,
    psnr: Vec<f64>,
    ssim: Vec<f64>,
    seconds: Vec<f64>,
    queries: Vec<f64>,
}

impl Tally {
    fn new(label: &str) -> Tally {
        Tally {
            label: label.into(),
            n: 0,
            ok: 0,
            errors: 0,
            psnr: vec![],
            ssim: vec![],
            seconds: vec![],
            queries: vec![],
        }
    }
    fn add(&mut self, r: hashscope::Result<hashscope::attack::AttackOutcome>) {
        self.n += 1;
        match r {
            Ok(o) => {
                if o.success {
                    self.ok += 1;
                    self.psnr.push(o.psnr);
                    self.ssim.push(o.ssim);
                }
                self.seconds.push(o.seconds);
                self.queries.push(o.queries as f64);
            }
            Err(_) => self.errors += 1,
        }
    }
    fn print(&self) {
        let max_s = self.seconds.iter().copied().fold(0.0, f64::max);
        println!(
            "{}: success {}/{} = {:.1}% (errors {}), median PSNR {:.2} dB, median SSIM {:.4}, \
             median time {:.3} s (max {:.3} s), median queries/candidates {}",
            self.label,
            self.ok,
            self.n,
            100.0 * self.ok as f64 / self.n.max(1) as f64,
            self.errors,
            median(&self.psnr),
            median(&self.ssim),
            median(&self.seconds),
            max_s,
            median(&self.queries)
        );
    }
}

#[test]
#[ignore = "prints the figures of docs/src/adversaries; minutes in release"]
fn figures_white_box() {
    let set = corpus_for_figures(0);
    println!("image set: fixtures/corpus, {} images (longest side <= 512 px)", set.len());
    let mut pdq = Tally::new("evade pdq T=31");
    let mut pdq_jpeg = Tally::new("evade pdq T=31 surviving jpeg q90");
    let mut ph = Tally::new("evade phash T=10");
    let mut col = Tally::new("collide pdq T=31 unrelated target, surviving jpeg q90");
    let n = set.len();
    for (i, (_, rgb)) in set.iter().enumerate() {
        pdq.add(evade(rgb, &EvadeOptions::new(Algorithm::Pdq)));
        let opts = EvadeOptions { jpeg: Some(90), ..EvadeOptions::new(Algorithm::Pdq) };
        pdq_jpeg.add(evade(rgb, &opts));
        ph.add(evade(rgb, &EvadeOptions::new(Algorithm::PHash)));
        let target = &set[(i + n / 2) % n].1;
        let (target_hash, _) = hash_image(Algorithm::Pdq, target).unwrap();
        let opts = CollideOptions { jpeg: Some(90), ..CollideOptions::new(Algorithm::Pdq) };
        col.add(collide(rgb, &target_hash, &opts));
    }
    for t in [&pdq, &pdq_jpeg, &ph, &col] {
        t.print();
    }
}

#[test]
#[ignore = "prints the inversion figures of docs/src/adversaries"]
fn figures_inversion() {
    let set = corpus_for_figures(0);
    let rgbs: Vec<RgbImage> = set.into_iter().map(|(_, r)| r).collect();
    println!("image set: fixtures/corpus, {} images", rgbs.len());
    for algo in [Algorithm::Pdq, Algorithm::PHash] {
        for prior in [false, true] {
            let id = identify(algo, &rgbs, prior).unwrap();
            println!(
                "invert {algo} prior={prior}: n={}, rank-1 {:.1}%, median correlation with own \
                 band-limited original {:.3}, with a wrong image's hash {:.3}",
                id.n,
                100.0 * id.rank1_rate,
                median(&id.own),
                median(&id.wrong)
            );
        }
    }
}

#[test]
#[ignore = "prints the black-box figures of docs/src/adversaries; minutes in release"]
fn figures_black_box() {
    // Black-box queries cost a full hash each: a seeded sample of 60 images by default.
    let set = corpus_for_figures(60);
    println!("image set: seeded sample of fixtures/corpus, {} images", set.len());
    let mut t = Tally::new("black-box evade pdq T=31, <= 5000 queries");
    for (_, rgb) in &set {
        t.add(evade_black_box(rgb, &BlackBoxOptions::new(Algorithm::Pdq)));
    }
    t.print();
}

#[test]
#[ignore = "prints the blind-spot figures of docs/src/adversaries"]
fn figures_blind_spots() {
    use hashscope::attack::blindspot::BlindSpot;
    use hashscope::attack::quality::psnr;
    let set = corpus_for_figures(0);
    println!("image set: fixtures/corpus, {} images", set.len());
    let spots = [
        BlindSpot::Stripes { amplitude: 40.0, period: 24.0 },
        BlindSpot::Ramp { amplitude: 60.0 },
        BlindSpot::Checkerboard { amplitude: 40.0 },
    ];
    for spot in spots {
        let (mut still, mut n, mut psnrs) = (0, 0, vec![]);
        for (_, rgb) in &set {
            let (before, _) = hash_image(Algorithm::Pdq, rgb).unwrap();
            let changed = spot.apply(rgb);
            let (after, _) = hash_image(Algorithm::Pdq, &changed).unwrap();
            n += 1;
            still += usize::from(after.distance(&before).unwrap() <= 31);
            psnrs.push(psnr(rgb, &changed));
        }
        println!(
            "blind spot pdq {}: still matching (distance <= 31) {still}/{n} = {:.1}%, median PSNR {:.2} dB",
            spot.name(),
            100.0 * still as f64 / n as f64,
            median(&psnrs)
        );
    }
}

#[test]
fn cli_evade_writes_the_judged_file_and_reports_it() {
    let (name, _) = &sample(1, 14)[0];
    let input = common::fixture(&format!("corpus/{}", name));
    let out = std::env::temp_dir().join(format!("hashscope-cli-evade-{}.png", std::process::id()));
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_hashscope"))
        .args(["attack", "evade", "--algo", "pdq", "-o"])
        .arg(&out)
        .arg(&input)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.contains("success: true") && stdout.contains("psnr_db:"), "{stdout}");
    let written = load_rgb8(&out, &DecodeLimits::default()).unwrap();
    std::fs::remove_file(&out).ok();
    let original = load_rgb8(&input, &DecodeLimits::default()).unwrap();
    let (a, _) = hash_image(Algorithm::Pdq, &original).unwrap();
    let (b, _) = hash_image(Algorithm::Pdq, &written).unwrap();
    let reported: u32 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("distance: "))
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert_eq!(a.distance(&b).unwrap(), reported);
    assert!(reported > 31);
}

#[test]
#[ignore = "prints the list experiments of docs/src/adversaries"]
fn figures_lists() {
    use hashscope::attack::lists::{detector, flagged, list_of, plant_near};
    use hashscope::corpus::collect_images;
    let files = collect_images(&[common::fixture("corpus")]).unwrap().files;
    let load =
        |f: &hashscope::corpus::ImageFile| load_rgb8(&f.path, &DecodeLimits::default()).unwrap();
    let of = |c: &str| -> Vec<RgbImage> {
        files.iter().filter(|f| f.collection == c).map(load).collect()
    };
    let jpeg = |v: &[RgbImage]| -> Vec<RgbImage> {
        v.iter().map(|r| Transform::Jpeg { quality: 75 }.apply(r, 0).unwrap()).collect()
    };
    let category = of("pypi-scikit-image");
    let wallpapers = of("gnome-backgrounds");
    let others: Vec<RgbImage> = files
        .iter()
        .filter(|f| f.collection != "pypi-scikit-image" && f.collection != "gnome-backgrounds")
        .map(load)
        .collect();
    let list = list_of(Algorithm::Pdq, &category).unwrap();
    let d = detector(Algorithm::Pdq, &list).unwrap();
    println!(
        "list: PDQ hashes of the {} images of pypi-scikit-image (stand-ins for another category)",
        list.len()
    );
    println!(
        "  flagged, JPEG q75 copies of the listed images: {}",
        flagged(&d, &jpeg(&category)).unwrap()
    );
    println!("  flagged, gnome-backgrounds (not listed): {}", flagged(&d, &wallpapers).unwrap());
    println!(
        "  flagged, the other {} corpus images: {}",
        others.len(),
        flagged(&d, &others).unwrap()
    );
    // Poisoning: three entries planted 8 bits from the hashes of three default wallpapers.
    let mut poisoned = list.clone();
    for rgb in wallpapers.iter().take(3) {
        poisoned.push(plant_near(&hash_image(Algorithm::Pdq, rgb).unwrap().0, 8).unwrap());
    }
    let p = detector(Algorithm::Pdq, &poisoned).unwrap();
    println!(
        "poisoned: + 3 entries 8 bits from 3 of the {} gnome-backgrounds wallpapers",
        wallpapers.len()
    );
    println!("  flagged, gnome-backgrounds as stored: {}", flagged(&p, &wallpapers).unwrap());
    println!("  flagged, gnome-backgrounds JPEG q75: {}", flagged(&p, &jpeg(&wallpapers)).unwrap());
    println!("  flagged, the other corpus images: {}", flagged(&p, &others).unwrap());
}
