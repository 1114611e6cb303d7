//! A tiny built-in 5×7 bitmap font and the watermark drawing that uses it.
//!
//! Only the glyphs the watermark needs are defined; any other character is drawn as a
//! blank cell. Each glyph is seven rows of five bits, most significant of the five bits
//! leftmost, top row first.

use image::{Rgb, RgbImage};

/// The watermark text drawn by [`Transform::Watermark`](super::Transform::Watermark).
pub const WATERMARK_TEXT: &str = "hashscope sample";

/// Glyph width and height in font units; characters advance by `GLYPH_W + 1` units.
pub(crate) const GLYPH_W: i64 = 5;
pub(crate) const GLYPH_H: i64 = 7;

fn glyph(c: char) -> [u8; 7] {
    match c {
        'a' => [0b00000, 0b00000, 0b01110, 0b00001, 0b01111, 0b10001, 0b01111],
        'c' => [0b00000, 0b00000, 0b01110, 0b10000, 0b10000, 0b10001, 0b01110],
        'e' => [0b00000, 0b00000, 0b01110, 0b10001, 0b11111, 0b10000, 0b01110],
        'h' => [0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001],
        'l' => [0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        'm' => [0b00000, 0b00000, 0b11010, 0b10101, 0b10101, 0b10001, 0b10001],
        'o' => [0b00000, 0b00000, 0b01110, 0b10001, 0b10001, 0b10001, 0b01110],
        'p' => [0b00000, 0b00000, 0b11110, 0b10001, 0b11110, 0b10000, 0b10000],
        's' => [0b00000, 0b00000, 0b01110, 0b10000, 0b01110, 0b00001, 0b11110],
        _ => [0; 7],
    }
}

/// Width of `text` in font units (no outline): `6·n − 1` for `n` characters.
pub(crate) fn text_width_units(text: &str) -> i64 {
    let n = text.chars().count() as i64;
    if n == 0 {
        0
    } else {
        n * (GLYPH_W + 1) - 1
    }
}

/// The watermark's scale `s` (screen pixels per font unit) for a `w × h` image:
/// `max(1, min(⌊w / 240⌋, ⌊h / 24⌋))`, so the 95-unit text spans about 40% of the width
/// and is never taller than about 30% of the height.
pub(crate) fn watermark_scale(w: u32, h: u32) -> i64 {
    i64::from((w / 240).min(h / 24)).max(1)
}

/// Draws `text` in white with a one-unit black outline (the 8-neighbourhood of every lit
/// unit), its outlined box's bottom-right corner `2·s` pixels from the image's bottom-right
/// corner. Parts falling outside the image are clipped.
pub(crate) fn draw_watermark(img: &mut RgbImage, text: &str) {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    let s = watermark_scale(img.width(), img.height());
    let margin = 2 * s;
    // Outlined box is (width + 2) × (GLYPH_H + 2) units.
    let box_w = (text_width_units(text) + 2) * s;
    let box_h = (GLYPH_H + 2) * s;
    // Top-left pixel of the first glyph (inside the one-unit outline).
    let x0 = w - margin - box_w + s;
    let y0 = h - margin - box_h + s;

    let lit: Vec<(i64, i64)> = text
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            let rows = glyph(c);
            let cx = i as i64 * (GLYPH_W + 1);
            (0..GLYPH_H).flat_map(move |r| {
                (0..GLYPH_W)
                    .filter(move |col| rows[r as usize] >> (GLYPH_W - 1 - col) & 1 == 1)
                    .map(move |col| (cx + col, r))
            })
        })
        .collect();

    let mut fill_unit = |ux: i64, uy: i64, colour: Rgb<u8>| {
        for py in y0 + uy * s..y0 + (uy + 1) * s {
            for px in x0 + ux * s..x0 + (ux + 1) * s {
                if (0..w).contains(&px) && (0..h).contains(&py) {
                    img.put_pixel(px as u32, py as u32, colour);
                }
            }
        }
    };
    for &(ux, uy) in &lit {
        for dy in -1..=1 {
            for dx in -1..=1 {
                fill_unit(ux + dx, uy + dy, Rgb([0, 0, 0]));
            }
        }
    }
    for &(ux, uy) in &lit {
        fill_unit(ux, uy, Rgb([255, 255, 255]));
    }
}
