//! Thumbnails for the HTML report: small PNGs inlined as `data:` URIs so the report is one
//! standalone file.

use std::path::Path;

use base64::Engine;

use crate::decode::{load_rgb8, DecodeLimits};

/// A `data:image/png;base64,…` URI of the image at `path` shrunk to fit `max_side` pixels,
/// or `None` if it cannot be read (the report then shows the name only).
pub(crate) fn data_uri(path: &Path, max_side: u32, limits: &DecodeLimits) -> Option<String> {
    let rgb = load_rgb8(path, limits).ok()?;
    let (w, h) = (rgb.width(), rgb.height());
    let scale = f64::from(max_side) / f64::from(w.max(h));
    let (tw, th) = if scale < 1.0 {
        (
            ((f64::from(w) * scale).round() as u32).max(1),
            ((f64::from(h) * scale).round() as u32).max(1),
        )
    } else {
        (w, h)
    };
    let small = image::imageops::thumbnail(&rgb, tw, th);
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(small)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .ok()?;
    Some(format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png)))
}
