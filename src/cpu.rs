//! Run-time choice of CPU instructions for the popcount loops (the pair counter in
//! [`eval`](crate::eval) and the [`LinearScan`](crate::LinearScan) index).
//!
//! The same generic Rust code is compiled several times with different `target_feature`s;
//! [`Kernel::detect`] picks the fastest one this CPU supports with
//! `is_x86_feature_detected!`, so no `-C target-cpu=native` is needed to build. Every kernel
//! gives identical answers (integer arithmetic), which the tests check kernel by kernel.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

/// A popcount implementation. All give identical results; they differ in speed only.
///
/// ```
/// use hashscope::Kernel;
/// assert!(Kernel::Portable.is_available());
/// assert!(Kernel::detect().is_available());
/// assert!(Kernel::available().contains(&Kernel::detect()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Kernel {
    /// Plain Rust for the compilation target's baseline features (on baseline x86-64,
    /// popcount is a bit-twiddling sequence). Always available.
    Portable,
    /// x86-64 with the scalar `POPCNT` instruction.
    Popcnt,
    /// x86-64 with AVX2 and `POPCNT` (popcount vectorised by nibble lookup).
    Avx2,
    /// x86-64 with AVX-512F/BW/VL and `VPOPCNTDQ` (a vector popcount instruction).
    Avx512,
}

impl Kernel {
    /// Every kernel, slowest first.
    pub const ALL: [Kernel; 4] = [Kernel::Portable, Kernel::Popcnt, Kernel::Avx2, Kernel::Avx512];

    /// Whether the running CPU supports this kernel.
    pub fn is_available(self) -> bool {
        match self {
            Kernel::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Kernel::Popcnt => std::arch::is_x86_feature_detected!("popcnt"),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => {
                std::arch::is_x86_feature_detected!("popcnt")
                    && std::arch::is_x86_feature_detected!("avx2")
            }
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => {
                std::arch::is_x86_feature_detected!("popcnt")
                    && std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                    && std::arch::is_x86_feature_detected!("avx512vpopcntdq")
            }
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// The fastest kernel the running CPU supports.
    pub fn detect() -> Kernel {
        Kernel::ALL.into_iter().rev().find(|k| k.is_available()).unwrap_or(Kernel::Portable)
    }

    /// The kernels the running CPU supports, slowest (`Portable`) first.
    pub fn available() -> Vec<Kernel> {
        Kernel::ALL.into_iter().filter(|k| k.is_available()).collect()
    }

    /// Lowercase name: `portable`, `popcnt`, `avx2`, `avx512`.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "portable",
            Kernel::Popcnt => "popcnt",
            Kernel::Avx2 => "avx2",
            Kernel::Avx512 => "avx512",
        }
    }

    /// An [`ErrorKind::InvalidArgument`] error unless this CPU supports the kernel.
    pub(crate) fn check(self) -> Result<()> {
        if self.is_available() {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("kernel {} is not supported by this CPU or build", self.name()),
            ))
        }
    }
}
