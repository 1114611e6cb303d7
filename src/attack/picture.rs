//! Pictures for explaining an attack: the amplified difference and bit maps.

use image::{Rgb, RgbImage};

use crate::ImageHash;

/// The difference `b − a` per sample, multiplied by `gain` and centred on mid-grey (128), so
/// that a change of a grey level or two becomes visible.
pub fn amplified_difference(a: &RgbImage, b: &RgbImage, gain: f64) -> RgbImage {
    assert_eq!(a.dimensions(), b.dimensions(), "images of different sizes");
    let mut out = RgbImage::new(a.width(), a.height());
    for ((o, &x), &y) in out.as_mut().iter_mut().zip(a.as_raw()).zip(b.as_raw()) {
        let d = (f64::from(y) - f64::from(x)) * gain + 128.0;
        *o = d.round().clamp(0.0, 255.0) as u8;
    }
    out
}

/// A hash drawn as a square grid of cells (`cell` pixels each), in the algorithm's coefficient
/// layout: row = vertical frequency, column = horizontal frequency (lowest top left). Bits set
/// in `hash` are white, clear bits black; with `compare`, cells whose bit differs from it are
/// red (set) or dark red (clear).
pub fn bit_map(hash: &ImageHash, compare: Option<&ImageHash>, cell: u32) -> RgbImage {
    let bits = hash.bits() as usize;
    let side = (bits as f64).sqrt() as usize;
    // PDQ stores coefficient i at position 255 − i; 64-bit hashes at position i.
    let position = |i: usize| if bits == 256 { bits - 1 - i } else { i };
    RgbImage::from_fn(side as u32 * cell, side as u32 * cell, |x, y| {
        let i = (y / cell) as usize * side + (x / cell) as usize;
        let p = position(i);
        let on = hash.value().bit(p);
        let differs = compare.is_some_and(|c| c.value().bit(p) != on);
        let border = x % cell == 0 || y % cell == 0;
        match (differs, on) {
            _ if border && cell > 3 => Rgb([128, 128, 128]),
            (true, true) => Rgb([255, 60, 60]),
            (true, false) => Rgb([140, 0, 0]),
            (false, true) => Rgb([255, 255, 255]),
            (false, false) => Rgb([0, 0, 0]),
        }
    })
}
