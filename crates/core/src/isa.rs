//! The instruction set whole-buffer loops are compiled for, detected once per process.
//!
//! Kernels with a hot loop compile its body three times (`#[target_feature]` wrappers around
//! one `#[inline(always)]` body) and pick one with [`Isa::detect`]. The bodies use no fused
//! multiply-add, so every choice gives the same bits.

/// The widest instruction set of this CPU that the kernels use.
///
/// ```
/// let isa = rask_core::isa::Isa::detect();
/// assert_eq!(isa, rask_core::isa::Isa::detect());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Isa {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Isa {
    /// This CPU's, detected on the first call.
    pub fn detect() -> Isa {
        static ISA: std::sync::OnceLock<Isa> = std::sync::OnceLock::new();
        *ISA.get_or_init(|| {
            #[cfg(target_arch = "x86_64")]
            {
                use std::arch::is_x86_feature_detected as has;
                if has!("avx512f") && has!("avx512vl") && has!("avx512bw") && has!("avx512dq") {
                    return Isa::Avx512;
                }
                if has!("avx2") {
                    return Isa::Avx2;
                }
            }
            Isa::Portable
        })
    }
}
