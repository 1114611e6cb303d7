//! Blind spots: large, plainly visible changes that PDQ cannot see.
//!
//! PDQ keeps DCT frequencies 1–16 along each axis and drops frequency 0 (the DC row and
//! column). A pattern that varies along **one axis only** — horizontal stripes, a vertical
//! brightness ramp — has all its energy in that dropped row or column: in exact arithmetic it
//! changes no coefficient and so no bit, however strong it is. And the blur before decimation
//! removes **fine detail**: a one-pixel checkerboard averages to almost nothing over the box
//! window. Only clipping at 0 and 255 (which makes the added pattern no longer one-axis) and
//! the quality gate break the invariance.
//!
//! These functions draw the patterns; `tests/attack.rs` (`figures_blind_spots`) measures how
//! many images still match their original hash after each, and how visible the change is.

use image::RgbImage;

/// Which blind-spot pattern to add.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BlindSpot {
    /// Horizontal stripes: `amplitude · sin(2π y / period)`, constant along each row.
    Stripes {
        /// Peak change in grey levels.
        amplitude: f64,
        /// Period in pixels.
        period: f64,
    },
    /// A vertical ramp from `−amplitude` at the top to `+amplitude` at the bottom.
    Ramp {
        /// Peak change in grey levels.
        amplitude: f64,
    },
    /// A one-pixel checkerboard, `±amplitude`.
    Checkerboard {
        /// Change in grey levels.
        amplitude: f64,
    },
}

impl BlindSpot {
    /// A short name for tables, e.g. `stripes(40, 24 px)`.
    pub fn name(&self) -> String {
        match *self {
            BlindSpot::Stripes { amplitude, period } => {
                format!("stripes({amplitude}, {period} px)")
            }
            BlindSpot::Ramp { amplitude } => format!("ramp(±{amplitude})"),
            BlindSpot::Checkerboard { amplitude } => format!("checkerboard(±{amplitude})"),
        }
    }

    /// `rgb` with the pattern added equally to R, G and B (rounded, clipped to 0..=255).
    pub fn apply(&self, rgb: &RgbImage) -> RgbImage {
        let h = f64::from(rgb.height().max(2) - 1);
        let mut out = rgb.clone();
        for (x, y, px) in out.enumerate_pixels_mut() {
            let d = match *self {
                BlindSpot::Stripes { amplitude, period } => {
                    amplitude * (2.0 * std::f64::consts::PI * f64::from(y) / period).sin()
                }
                BlindSpot::Ramp { amplitude } => amplitude * (2.0 * f64::from(y) / h - 1.0),
                BlindSpot::Checkerboard { amplitude } => {
                    if (x + y) % 2 == 0 {
                        amplitude
                    } else {
                        -amplitude
                    }
                }
            };
            for s in px.0.iter_mut() {
                *s = (f64::from(*s) + d).round().clamp(0.0, 255.0) as u8;
            }
        }
        out
    }
}
