use super::*;

/// A 40×30 image with distinct, smooth values in every channel.
fn synthetic(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([(x * 6 % 256) as u8, (y * 8 % 256) as u8, ((x + y) * 3 % 256) as u8])
    })
}

fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let total: u64 =
        a.as_raw().iter().zip(b.as_raw()).map(|(&p, &q)| u64::from(p.abs_diff(q))).sum();
    total as f64 / a.as_raw().len() as f64
}

#[test]
fn suite_names_are_stable_unique_and_parse_back() {
    let names: Vec<String> = standard_suite().iter().map(Transform::name).collect();
    assert_eq!(
        names,
        [
            "jpeg95",
            "jpeg75",
            "jpeg50",
            "jpeg30",
            "resize0.5",
            "resize0.25",
            "crop5",
            "crop10",
            "pad20",
            "rotate4",
            "rotate90cw",
            "fliph",
            "gamma0.5",
            "gamma2",
            "blur2",
            "noise8",
            "bright+20_contrast1.25",
            "grey",
            "watermark",
            "aspect1.25",
        ]
    );
    for t in standard_suite() {
        assert_eq!(t.name().parse::<Transform>().unwrap(), t);
        assert_eq!(t.to_string(), t.name());
    }
    assert_eq!("rotate-4".parse::<Transform>().unwrap(), Transform::Rotate { degrees: -4.0 });
    assert_eq!(
        "bright-10_contrast0.8".parse::<Transform>().unwrap(),
        Transform::BrightnessContrast { brightness: -10, contrast: 0.8 }
    );
    for bad in ["", "jpeg", "jpeg0", "jpeg101", "resizeX", "sharpen2", "crop100", "brightx"] {
        let e = bad.parse::<Transform>().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad}");
    }
}

#[test]
fn serde_uses_a_kind_tag_and_round_trips() {
    let j = serde_json::to_string(&Transform::Jpeg { quality: 50 }).unwrap();
    assert_eq!(j, r#"{"kind":"jpeg","quality":50}"#);
    assert_eq!(serde_json::to_string(&Transform::Rotate90).unwrap(), r#"{"kind":"rotate90"}"#);
    let all = standard_suite();
    let back: Vec<Transform> = serde_json::from_str(&serde_json::to_string(&all).unwrap()).unwrap();
    assert_eq!(back, all);
}

#[test]
fn output_sizes_are_as_documented() {
    let img = synthetic(40, 30);
    let expect = |t: Transform, w: u32, h: u32| {
        let out = t.apply(&img, 1).unwrap();
        assert_eq!(out.dimensions(), (w, h), "{}", t.name());
    };
    use Transform::*;
    expect(Jpeg { quality: 50 }, 40, 30);
    expect(Resize { factor: 0.5 }, 20, 15);
    expect(Resize { factor: 0.25 }, 10, 8); // 7.5 rounds half away from zero
    expect(Resize { factor: 0.01 }, 1, 1); // never below 1 px
    expect(Resize { factor: 1.5 }, 60, 45);
    expect(Crop { percent: 5.0 }, 38, 28); // remove round(2.0) and round(1.5) = 2
    expect(Crop { percent: 10.0 }, 36, 27);
    expect(Crop { percent: 99.0 }, 1, 1); // at least 1 px kept
    expect(Pad { percent: 20.0 }, 48, 36); // borders round(4.0), round(3.0)
    expect(Rotate { degrees: 4.0 }, 40, 30);
    expect(Rotate90, 30, 40);
    expect(FlipHorizontal, 40, 30);
    expect(Gamma { gamma: 2.0 }, 40, 30);
    expect(GaussianBlur { sigma: 2.0 }, 40, 30);
    expect(Noise { sigma: 8.0 }, 40, 30);
    expect(BrightnessContrast { brightness: 20, contrast: 1.25 }, 40, 30);
    expect(Greyscale, 40, 30);
    expect(Watermark, 40, 30);
    expect(AspectChange { x_factor: 1.25 }, 50, 30);
    expect(AspectChange { x_factor: 0.8 }, 32, 30);
}

#[test]
fn deterministic_and_only_noise_uses_the_seed() {
    let img = synthetic(40, 30);
    for t in standard_suite() {
        let a = t.apply(&img, 1).unwrap();
        let b = t.apply(&img, 1).unwrap();
        assert_eq!(a.as_raw(), b.as_raw(), "{} not deterministic", t.name());
        let c = t.apply(&img, 2).unwrap();
        if matches!(t, Transform::Noise { .. }) {
            assert_ne!(a.as_raw(), c.as_raw(), "noise ignores the seed");
        } else {
            assert_eq!(a.as_raw(), c.as_raw(), "{} depends on the seed", t.name());
        }
    }
}

#[test]
fn noise_golden_bytes_and_statistics() {
    // Fixed bytes: any change to the RNG or the noise formula shows up here.
    let grey = RgbImage::from_pixel(2, 1, Rgb([128, 128, 128]));
    let out = Transform::Noise { sigma: 8.0 }.apply(&grey, 0).unwrap();
    let expected = [129u8, 129, 119, 126, 130, 119];
    assert_eq!(out.as_raw(), &expected);

    let grey = RgbImage::from_pixel(64, 64, Rgb([128, 128, 128]));
    let out = Transform::Noise { sigma: 8.0 }.apply(&grey, 99).unwrap();
    let d: Vec<f64> = out.as_raw().iter().map(|&v| f64::from(v) - 128.0).collect();
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let sd = (d.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
    assert!(mean.abs() < 0.3, "mean {mean}");
    assert!((sd - 8.0).abs() < 0.4, "sd {sd}");
    // σ = 0 is the identity.
    let img = synthetic(9, 7);
    assert_eq!(Transform::Noise { sigma: 0.0 }.apply(&img, 5).unwrap(), img);
}

#[test]
fn flip_and_rotate90_move_pixels_exactly() {
    let img = synthetic(40, 30);
    let f = Transform::FlipHorizontal.apply(&img, 0).unwrap();
    let r = Transform::Rotate90.apply(&img, 0).unwrap();
    for (x, y) in [(0, 0), (39, 0), (5, 7), (39, 29), (17, 22)] {
        assert_eq!(f.get_pixel(39 - x, y), img.get_pixel(x, y));
        // Clockwise: input (x, y) lands at (h − 1 − y, x).
        assert_eq!(r.get_pixel(29 - y, x), img.get_pixel(x, y));
    }
    // Top-left input pixel goes to the top-right corner.
    assert_eq!(r.get_pixel(29, 0), img.get_pixel(0, 0));
}

#[test]
fn rotate_is_counter_clockwise_about_the_centre_with_black_corners() {
    // 0° is the identity; 90° on an odd square is an exact counter-clockwise quarter turn.
    let sq = synthetic(7, 7);
    assert_eq!(Transform::Rotate { degrees: 0.0 }.apply(&sq, 0).unwrap(), sq);
    assert_eq!(Transform::Rotate { degrees: 360.0 }.apply(&sq, 0).unwrap(), sq);
    let ccw = Transform::Rotate { degrees: 90.0 }.apply(&sq, 0).unwrap();
    assert_eq!(ccw, imageops::rotate270(&sq));

    let white = RgbImage::from_pixel(40, 30, Rgb([255, 255, 255]));
    let out = Transform::Rotate { degrees: 4.0 }.apply(&white, 0).unwrap();
    // Counter-clockwise: the top-left and bottom-right corners are uncovered; the other
    // two only get a sliver of the blended edge.
    for (x, y) in [(0, 0), (39, 29)] {
        assert_eq!(out.get_pixel(x, y).0, [0, 0, 0], "corner ({x},{y})");
    }
    for (x, y) in [(39, 0), (0, 29)] {
        assert!(out.get_pixel(x, y).0[0] < 64, "corner ({x},{y}): {:?}", out.get_pixel(x, y));
    }
    assert_eq!(out.get_pixel(20, 15).0, [255, 255, 255]);
    // A vertical black/white edge (at x = 19.5) rotated counter-clockwise leans left at the
    // top (about 0.8 px at y = 3) and right at the bottom.
    let half =
        RgbImage::from_fn(
            40,
            30,
            |x, _| if x < 20 { Rgb([0, 0, 0]) } else { Rgb([255, 255, 255]) },
        );
    let out = Transform::Rotate { degrees: 4.0 }.apply(&half, 0).unwrap();
    assert!(out.get_pixel(19, 3).0[0] > 128, "{:?}", out.get_pixel(19, 3));
    assert!(out.get_pixel(20, 26).0[0] < 128, "{:?}", out.get_pixel(20, 26));
}

#[test]
fn gamma_on_known_values() {
    let img = RgbImage::from_fn(4, 1, |x, _| {
        let v = [0u8, 64, 128, 255][x as usize];
        Rgb([v, v, v])
    });
    let g2 = Transform::Gamma { gamma: 2.0 }.apply(&img, 0).unwrap();
    // 255·(64/255)² = 16.06, 255·(128/255)² = 64.25.
    assert_eq!(g2.as_raw().iter().step_by(3).copied().collect::<Vec<_>>(), [0, 16, 64, 255]);
    let g05 = Transform::Gamma { gamma: 0.5 }.apply(&img, 0).unwrap();
    // 255·√(64/255) = 127.75, 255·√(128/255) = 180.67.
    assert_eq!(g05.as_raw().iter().step_by(3).copied().collect::<Vec<_>>(), [0, 128, 181, 255]);
    // Every entry of the table matches the platform's powf (to the rounding).
    for gamma in [0.5f32, 2.0, 2.2, 0.45] {
        let all = RgbImage::from_fn(256, 1, |x, _| Rgb([x as u8, x as u8, x as u8]));
        let out = Transform::Gamma { gamma }.apply(&all, 0).unwrap();
        for x in 0..256u32 {
            let want = (255.0 * (f64::from(x) / 255.0).powf(f64::from(gamma))).round() as u8;
            assert_eq!(out.get_pixel(x, 0).0[0], want, "gamma {gamma} at {x}");
        }
    }
}

#[test]
fn greyscale_matches_pillow_l() {
    let colours =
        [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0], [10, 200, 30]];
    let img = RgbImage::from_fn(6, 1, |x, _| Rgb(colours[x as usize]));
    let out = Transform::Greyscale.apply(&img, 0).unwrap();
    // Pillow: Image.new("RGB", (1, 1), c).convert("L") gives 76, 150, 29, 255, 0, 124.
    let want = [76u8, 150, 29, 255, 0, 124];
    for x in 0..6 {
        let v = want[x as usize];
        assert_eq!(out.get_pixel(x, 0).0, [v, v, v], "{:?}", colours[x as usize]);
    }
}

#[test]
fn brightness_contrast_on_known_values() {
    let img = RgbImage::from_fn(4, 1, |x, _| {
        let v = [0u8, 100, 200, 250][x as usize];
        Rgb([v, v, v])
    });
    let t = Transform::BrightnessContrast { brightness: 20, contrast: 1.25 };
    let out = t.apply(&img, 0).unwrap();
    // (0−128)·1.25+148 = −12 → 0; 113; 238; 300.5 → 255.
    assert_eq!(out.as_raw().iter().step_by(3).copied().collect::<Vec<_>>(), [0, 113, 238, 255]);
}

#[test]
fn crop_and_pad_bounds_and_colour() {
    let img = synthetic(10, 8);
    // Crop 25%: remove round(2.5) = 3 columns (1 left, 2 right), round(2.0) = 2 rows.
    let c = Transform::Crop { percent: 25.0 }.apply(&img, 0).unwrap();
    assert_eq!(c.dimensions(), (7, 6));
    assert_eq!(c.get_pixel(0, 0), img.get_pixel(1, 1));
    assert_eq!(c.get_pixel(6, 5), img.get_pixel(7, 6));

    // Pad 20%: borders round(1.0) = 1 and round(0.8) = 1 on every side, black.
    let p = Transform::Pad { percent: 20.0 }.apply(&img, 0).unwrap();
    assert_eq!(p.dimensions(), (12, 10));
    for (x, y) in [(0, 0), (11, 0), (0, 9), (11, 9), (5, 0), (0, 5)] {
        assert_eq!(p.get_pixel(x, y).0, [0, 0, 0]);
    }
    assert_eq!(p.get_pixel(1, 1), img.get_pixel(0, 0));
    assert_eq!(p.get_pixel(10, 8), img.get_pixel(9, 7));
}

#[test]
fn blur_kernel_and_behaviour() {
    let k = gaussian_kernel(2.0);
    assert_eq!(k.len(), 13); // radius ⌈3σ⌉ = 6
    assert_eq!(k.iter().sum::<i64>(), 65536);
    assert!(k.iter().zip(k.iter().rev()).all(|(a, b)| a == b));
    // A constant image stays constant (edges repeat the border).
    let flat = RgbImage::from_pixel(9, 5, Rgb([37, 200, 255]));
    assert_eq!(Transform::GaussianBlur { sigma: 2.0 }.apply(&flat, 0).unwrap(), flat);
    // A dot spreads symmetrically and loses its peak.
    let mut dot = RgbImage::new(15, 15);
    dot.put_pixel(7, 7, Rgb([255, 255, 255]));
    let b = Transform::GaussianBlur { sigma: 2.0 }.apply(&dot, 0).unwrap();
    assert!(b.get_pixel(7, 7).0[0] < 20 && b.get_pixel(7, 7).0[0] > 0);
    assert_eq!(b.get_pixel(5, 7), b.get_pixel(9, 7));
    assert_eq!(b.get_pixel(7, 5), b.get_pixel(5, 7));
    let dot_again = Transform::GaussianBlur { sigma: 0.0 }.apply(&dot, 0).unwrap();
    assert_eq!(dot_again, dot);
}

#[test]
fn jpeg_95_is_close_to_the_input() {
    let img = synthetic(64, 48);
    let q95 = Transform::Jpeg { quality: 95 }.apply(&img, 0).unwrap();
    let q30 = Transform::Jpeg { quality: 30 }.apply(&img, 0).unwrap();
    let (d95, d30) = (mean_abs_diff(&img, &q95), mean_abs_diff(&img, &q30));
    assert!(d95 < 2.0, "quality 95 differs by {d95}");
    assert!(d30 >= d95, "quality 30 ({d30}) closer than 95 ({d95})");
}

#[test]
fn watermark_draws_white_and_black_in_the_bottom_right_only() {
    let img = RgbImage::from_pixel(480, 240, Rgb([128, 128, 128]));
    let out = Transform::Watermark.apply(&img, 0).unwrap();
    // s = min(⌊480/240⌋, ⌊240/24⌋) = 2: a 194×18 box, 4 px from the right and bottom.
    let (bx0, by0, bx1, by1) = (480 - 4 - 194, 240 - 4 - 18, 480 - 4, 240 - 4);
    let (mut white, mut black) = (0, 0);
    for (x, y, p) in out.enumerate_pixels() {
        let inside = (bx0..bx1).contains(&x) && (by0..by1).contains(&y);
        match p.0 {
            [255, 255, 255] => white += 1,
            [0, 0, 0] => black += 1,
            _ => {}
        }
        if !inside {
            assert_eq!(p.0, [128, 128, 128], "changed outside the box at ({x},{y})");
        }
    }
    assert!(white > 0 && black > white, "white {white}, black {black}");
    // The outline reaches the box's edges: its last column and row are touched.
    assert!((by0..by1).any(|y| out.get_pixel(bx1 - 1, y).0 == [0, 0, 0]));
    assert!((bx0..bx1).any(|x| out.get_pixel(x, by1 - 1).0 == [0, 0, 0]));
    assert!((bx0..bx1).any(|x| out.get_pixel(x, by0).0 == [0, 0, 0]));
}

#[test]
fn tiny_images_never_panic() {
    for (w, h) in [(1, 1), (2, 3), (3, 2), (1, 7)] {
        let img = synthetic(w, h);
        for t in standard_suite() {
            let out = t.apply(&img, 3).unwrap_or_else(|e| panic!("{} on {w}×{h}: {e}", t.name()));
            assert!(out.width() >= 1 && out.height() >= 1, "{} on {w}×{h}", t.name());
        }
    }
    let c = Transform::Crop { percent: 99.9 }.apply(&synthetic(1, 1), 0).unwrap();
    assert_eq!(c.dimensions(), (1, 1));
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let img = synthetic(4, 4);
    use Transform::*;
    let bad = [
        Jpeg { quality: 0 },
        Jpeg { quality: 101 },
        Resize { factor: 0.0 },
        Resize { factor: f32::NAN },
        Resize { factor: -1.0 },
        Crop { percent: 100.0 },
        Crop { percent: -1.0 },
        Pad { percent: -5.0 },
        Pad { percent: f32::INFINITY },
        Rotate { degrees: f32::NAN },
        Gamma { gamma: 0.0 },
        GaussianBlur { sigma: -1.0 },
        GaussianBlur { sigma: 1000.0 },
        Noise { sigma: 300.0 },
        BrightnessContrast { brightness: 300, contrast: 1.0 },
        BrightnessContrast { brightness: 0, contrast: -1.0 },
        AspectChange { x_factor: 0.0 },
    ];
    for t in bad {
        let e = t.apply(&img, 0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{t:?}");
    }
    let e = Greyscale.apply(&RgbImage::new(0, 5), 0).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.to_string().contains("0×5"), "{e}");
    // Output above the pixel limit.
    let big = RgbImage::new(1000, 1000);
    let e = Resize { factor: 11.0 }.apply(&big, 0).unwrap_err();
    assert!(e.to_string().contains("limit"), "{e}");
}

#[test]
fn whole_suite_on_fixtures_has_the_documented_sizes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lossless");
    // (file, size, then expected size per suite entry in suite order)
    type Case = (&'static str, (u32, u32), [(u32, u32); 20]);
    let cases: [Case; 2] = [
        (
            "gnome-backgrounds__00008.png",
            (256, 256),
            [
                (256, 256),
                (256, 256),
                (256, 256),
                (256, 256),
                (128, 128),
                (64, 64),
                (243, 243), // 256 − round(12.8)
                (230, 230), // 256 − round(25.6)
                (308, 308), // 256 + 2·round(25.6)
                (256, 256),
                (256, 256),
                (256, 256),
                (256, 256),
                (256, 256),
                (256, 256),
                (256, 256),
                (256, 256),
                (256, 256),
                (256, 256),
                (320, 256),
            ],
        ),
        (
            "lomiri-wallpapers-16.04__00005.png",
            (171, 256),
            [
                (171, 256),
                (171, 256),
                (171, 256),
                (171, 256),
                (86, 128), // round(85.5) = 86
                (43, 64),  // round(42.75)
                (162, 243),
                (154, 230), // 171 − round(17.1)
                (205, 308), // 171 + 2·round(17.1)
                (171, 256),
                (256, 171),
                (171, 256),
                (171, 256),
                (171, 256),
                (171, 256),
                (171, 256),
                (171, 256),
                (171, 256),
                (171, 256),
                (214, 256), // round(213.75)
            ],
        ),
    ];
    let suite = standard_suite();
    for (file, size, expected) in cases {
        let img = crate::decode::load_rgb8(dir.join(file), &DecodeLimits::default()).unwrap();
        assert_eq!(img.dimensions(), size, "{file}");
        for (t, want) in suite.iter().zip(expected) {
            let out = t.apply(&img, 11).unwrap();
            assert_eq!(out.dimensions(), want, "{file} {}", t.name());
        }
        // Sanity on content: mild transforms stay close, greyscale is grey.
        let q95 = Transform::Jpeg { quality: 95 }.apply(&img, 0).unwrap();
        assert!(mean_abs_diff(&img, &q95) < 3.0, "{file}");
        let g = Transform::Greyscale.apply(&img, 0).unwrap();
        assert!(g.pixels().all(|p| p.0[0] == p.0[1] && p.0[1] == p.0[2]));
    }
}

#[test]
fn write_suite_examples_writes_one_png_per_transform() {
    let dir = std::env::temp_dir().join(format!("hashscope-suite-{}", std::process::id()));
    let suite = [Transform::FlipHorizontal, Transform::Jpeg { quality: 50 }];
    let paths = write_suite_examples(&synthetic(16, 12), &suite, 0, &dir).unwrap();
    assert_eq!(paths, [dir.join("fliph.png"), dir.join("jpeg50.png")]);
    let back = crate::decode::load_rgb8(&paths[0], &DecodeLimits::default()).unwrap();
    assert_eq!(back, imageops::flip_horizontal(&synthetic(16, 12)));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// FNV-1a 64 of the raw RGB bytes.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Golden digests of every non-JPEG suite output on the 40×30 synthetic image, seed 1.
/// They pin the exact bytes, so a run on another platform (CI) checks the "same bytes
/// everywhere" promise. JPEG is left out because its decoder may take SIMD paths (see the
/// module docs). A deliberate change to a definition, or an `image` upgrade that changes
/// Catmull-Rom resampling, must update this table (and say so in the changelog).
#[test]
fn golden_digests_pin_the_bytes() {
    let golden: [(&str, u64); 16] = [
        ("resize0.5", 0x45ed_cc65_de9b_d7b5),
        ("resize0.25", 0xe68d_06bf_2939_442d),
        ("crop5", 0xe2cb_2e2d_085c_d339),
        ("crop10", 0x8e7a_34d3_af10_4711),
        ("pad20", 0x064c_3785_2bc5_6d1d),
        ("rotate4", 0x9a00_425d_770f_3741),
        ("rotate90cw", 0x1203_2ba6_4a04_28dd),
        ("fliph", 0xd5e1_03ec_c508_d65d),
        ("gamma0.5", 0x8a25_ea85_e3c3_2fea),
        ("gamma2", 0xc702_9136_ed7a_8ca7),
        ("blur2", 0xdf26_7d7a_1030_0cbd),
        ("noise8", 0x8bbe_0640_ba65_d244),
        ("bright+20_contrast1.25", 0x7d94_875d_d0f2_37d7),
        ("grey", 0x258b_68aa_fc8d_cc7f),
        ("watermark", 0xc402_5f97_174b_e3b7),
        ("aspect1.25", 0x74cc_ad7d_7697_4b7b),
    ];
    let img = synthetic(40, 30);
    let suite: Vec<Transform> =
        standard_suite().into_iter().filter(|t| !matches!(t, Transform::Jpeg { .. })).collect();
    assert_eq!(suite.len(), golden.len());
    for (t, (name, digest)) in suite.iter().zip(golden) {
        assert_eq!(t.name(), name);
        let out = t.apply(&img, 1).unwrap();
        assert_eq!(fnv1a(out.as_raw()), digest, "{name}: got 0x{:016x}", fnv1a(out.as_raw()));
    }
}
