//! How visible a change is: PSNR, SSIM and the largest pixel change.
//!
//! - **PSNR** (peak signal-to-noise ratio) over all RGB samples, `10 log₁₀(255² / MSE)` in
//!   decibels; infinite for identical images. Rough reading: above 40 dB differences are
//!   invisible side by side, 30–40 dB visible to a careful eye, below 30 dB obvious.
//! - **SSIM** (structural similarity, Wang, Bovik, Sheikh & Simoncelli 2004) on the luma
//!   `0.299 R + 0.587 G + 0.114 B`, with the usual constants: an 11×11 Gaussian window of
//!   σ = 1.5 (truncated at 3.5 σ), `K₁ = 0.01`, `K₂ = 0.03`, data range 255, population
//!   (not sample) variances, borders mirrored and the 5-pixel margin left out of the mean —
//!   the conventions of scikit-image's `structural_similarity(..., gaussian_weights=True,
//!   sigma=1.5, use_sample_covariance=False, data_range=255)`. 1 means identical.
//! - **Max change**: the largest absolute difference of any one sample (0–255).

use image::RgbImage;

/// Peak signal-to-noise ratio of `b` against `a` in dB over all RGB samples; `f64::INFINITY`
/// when they are identical. Panics if the sizes differ.
///
/// ```
/// use hashscope::attack::quality::psnr;
/// let a = image::RgbImage::from_pixel(4, 4, image::Rgb([100, 100, 100]));
/// let b = image::RgbImage::from_pixel(4, 4, image::Rgb([110, 110, 110]));
/// // MSE = 100, so PSNR = 10 log10(65025 / 100) = 28.13 dB.
/// assert!((psnr(&a, &b) - 28.1308).abs() < 1e-3);
/// ```
pub fn psnr(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions(), "PSNR of images of different sizes");
    let n = a.as_raw().len().max(1) as f64;
    let sse: f64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| {
            let d = f64::from(x) - f64::from(y);
            d * d
        })
        .sum();
    if sse == 0.0 {
        return f64::INFINITY;
    }
    10.0 * (255.0 * 255.0 / (sse / n)).log10()
}

/// The largest absolute difference between corresponding samples.
pub fn max_change(a: &RgbImage, b: &RgbImage) -> u8 {
    assert_eq!(a.dimensions(), b.dimensions(), "images of different sizes");
    a.as_raw().iter().zip(b.as_raw()).map(|(&x, &y)| x.abs_diff(y)).max().unwrap_or(0)
}

/// Mean SSIM of the luma of `b` against that of `a` (see the [module docs](self)). Images
/// with a side shorter than 11 pixels have no full window: the result is `NaN`.
pub fn ssim(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions(), "SSIM of images of different sizes");
    let (w, h) = (a.width() as usize, a.height() as usize);
    ssim_luma(&luma(a), &luma(b), w, h)
}

/// Mean SSIM of two row-major luma planes (values on a 0–255 scale).
pub fn ssim_luma(x: &[f64], y: &[f64], w: usize, h: usize) -> f64 {
    const RADIUS: usize = 5;
    if w < 2 * RADIUS + 1 || h < 2 * RADIUS + 1 {
        return f64::NAN;
    }
    let kernel = gaussian_kernel(1.5, RADIUS);
    let blur = |v: &[f64]| separable(v, w, h, &kernel);
    let xx: Vec<f64> = x.iter().map(|a| a * a).collect();
    let yy: Vec<f64> = y.iter().map(|a| a * a).collect();
    let xy: Vec<f64> = x.iter().zip(y).map(|(a, b)| a * b).collect();
    let (ux, uy, uxx, uyy, uxy) = (blur(x), blur(y), blur(&xx), blur(&yy), blur(&xy));
    let c1 = (0.01f64 * 255.0).powi(2);
    let c2 = (0.03f64 * 255.0).powi(2);
    let mut sum = 0.0;
    let mut count = 0usize;
    for r in RADIUS..h - RADIUS {
        for c in RADIUS..w - RADIUS {
            let i = r * w + c;
            let (mx, my) = (ux[i], uy[i]);
            let vx = uxx[i] - mx * mx;
            let vy = uyy[i] - my * my;
            let cov = uxy[i] - mx * my;
            let s = ((2.0 * mx * my + c1) * (2.0 * cov + c2))
                / ((mx * mx + my * my + c1) * (vx + vy + c2));
            sum += s;
            count += 1;
        }
    }
    sum / count as f64
}

/// Luma `0.299 R + 0.587 G + 0.114 B` of every pixel, as `f64`.
pub fn luma(img: &RgbImage) -> Vec<f64> {
    img.as_raw()
        .chunks_exact(3)
        .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
        .collect()
}

/// Normalised Gaussian weights at offsets `−radius..=radius`.
fn gaussian_kernel(sigma: f64, radius: usize) -> Vec<f64> {
    let r = radius as i64;
    let k: Vec<f64> = (-r..=r).map(|i| (-((i * i) as f64) / (2.0 * sigma * sigma)).exp()).collect();
    let s: f64 = k.iter().sum();
    k.into_iter().map(|v| v / s).collect()
}

/// Index `i` (possibly outside `0..n`) mirrored into the line, repeating the edge sample
/// (`… b a | a b c … | c b …`), SciPy's "reflect" mode.
fn mirror(i: i64, n: usize) -> usize {
    let n = n as i64;
    let period = 2 * n;
    let m = i.rem_euclid(period);
    (if m < n { m } else { period - 1 - m }) as usize
}

/// Filters rows then columns with the symmetric `kernel`, mirroring at the borders.
fn separable(v: &[f64], w: usize, h: usize, kernel: &[f64]) -> Vec<f64> {
    let r = (kernel.len() / 2) as i64;
    let mut tmp = vec![0.0; w * h];
    for y in 0..h {
        for x in 0..w {
            tmp[y * w + x] = kernel
                .iter()
                .enumerate()
                .map(|(k, &g)| g * v[y * w + mirror(x as i64 + k as i64 - r, w)])
                .sum();
        }
    }
    let mut out = vec![0.0; w * h];
    for y in 0..h {
        for x in 0..w {
            out[y * w + x] = kernel
                .iter()
                .enumerate()
                .map(|(k, &g)| g * tmp[mirror(y as i64 + k as i64 - r, h) * w + x])
                .sum();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_images() {
        let a = RgbImage::from_fn(20, 16, |x, y| image::Rgb([(x * 9) as u8, (y * 11) as u8, 7]));
        assert_eq!(psnr(&a, &a), f64::INFINITY);
        assert!((ssim(&a, &a) - 1.0).abs() < 1e-12);
        assert_eq!(max_change(&a, &a), 0);
    }

    #[test]
    fn constant_shift_has_a_hand_computable_ssim() {
        // Flat images: all variances are 0, so SSIM = (2 μx μy + C1) / (μx² + μy² + C1).
        let a = RgbImage::from_pixel(16, 16, image::Rgb([100, 100, 100]));
        let b = RgbImage::from_pixel(16, 16, image::Rgb([110, 110, 110]));
        let c1 = (0.01f64 * 255.0).powi(2);
        let (mx, my) = (100.0f64, 110.0f64);
        let want = (2.0 * mx * my + c1) / (mx * mx + my * my + c1);
        assert!((ssim(&a, &b) - want).abs() < 1e-9);
        assert_eq!(max_change(&a, &b), 10);
    }

    /// Reference values computed once with scikit-image 0.26.0 (not at test time):
    /// `structural_similarity(la, lb, gaussian_weights=True, sigma=1.5,
    /// use_sample_covariance=False, data_range=255)` on the float64 luma
    /// `rgb @ [0.299, 0.587, 0.114]`, and `peak_signal_noise_ratio(a, b, data_range=255)` on
    /// the RGB arrays, for the two 32×24 images built below.
    #[test]
    fn ssim_and_psnr_match_scikit_image() {
        let px = |x: u32, y: u32| [(x * 13 + y * 7) % 256, (x * x + 3 * y) % 256, (x * y) % 256];
        let a = RgbImage::from_fn(32, 24, |x, y| image::Rgb(px(x, y).map(|v| v as u8)));
        let b = RgbImage::from_fn(32, 24, |x, y| {
            let d = ((x * 5 + y * 11) % 9) as i64 - 4;
            image::Rgb(px(x, y).map(|v| (i64::from(v) + d).clamp(0, 255) as u8))
        });
        assert!((ssim(&a, &b) - 0.996_688_795_803_801_3).abs() < 1e-12, "{}", ssim(&a, &b));
        assert!((psnr(&a, &b) - 39.981_706_435_429_86).abs() < 1e-9, "{}", psnr(&a, &b));
    }

    #[test]
    fn mirror_repeats_the_edge() {
        let got: Vec<usize> = (-3..7).map(|i| mirror(i, 4)).collect();
        assert_eq!(got, vec![2, 1, 0, 0, 1, 2, 3, 3, 2, 1]);
    }
}
