// SPDX-License-Identifier: GPL-2.0

//! Host extension ids ([`HostExtId`], `RISCV_ISA_EXT_*` of `<asm/hwcap.h>`).

/// First multi-letter host id; ids below it are single letters
/// (`RISCV_ISA_EXT_BASE`).
pub const RISCV_ISA_EXT_BASE: u32 = 26;
/// Number of host ids (`RISCV_ISA_EXT_MAX`): the host bitmaps are this
/// many bits.
pub const RISCV_ISA_EXT_MAX: u32 = 128;
/// Words of a 128-bit host-id bitmap.
pub(super) const WORDS: usize = (RISCV_ISA_EXT_MAX / 64) as usize;

/// A host ISA extension id (`RISCV_ISA_EXT_*`), below
/// [`RISCV_ISA_EXT_MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostExtId(pub(super) u8);

impl HostExtId {
    /// `n` as a host id, if it is below [`RISCV_ISA_EXT_MAX`].
    pub const fn new(n: u32) -> Option<Self> {
        if n < RISCV_ISA_EXT_MAX {
            Some(Self(n as u8))
        } else {
            None
        }
    }

    /// The id.
    pub const fn get(self) -> u32 {
        self.0 as u32
    }

    /// Word of a bitmap holding this id, and its bit in that word. The
    /// word is below [`WORDS`] because the id is below 128.
    pub(super) const fn pos(self) -> (usize, u64) {
        ((self.0 >> 6) as usize, 1 << (self.0 & 63))
    }
}

/// Defines the multi-letter host ids, documented with their C names.
macro_rules! host_ext_ids {
    ($($name:ident = $n:literal,)*) => {
        impl HostExtId {
            $(
                #[doc = concat!("`RISCV_ISA_EXT_", stringify!($name), "`.")]
                pub const $name: Self = Self($n);
            )*
        }
    };
}

// The host ids `<asm/hwcap.h>` defines in 6.12. Restated because the host
// build has no kernel bindings; the tests pin them to the header.
impl HostExtId {
    /// `RISCV_ISA_EXT_a`.
    pub const A: Self = Self(0);
    /// `RISCV_ISA_EXT_c`.
    pub const C: Self = Self(2);
    /// `RISCV_ISA_EXT_d`.
    pub const D: Self = Self(3);
    /// `RISCV_ISA_EXT_f`.
    pub const F: Self = Self(5);
    /// `RISCV_ISA_EXT_h`.
    pub const H: Self = Self(7);
    /// `RISCV_ISA_EXT_i`.
    pub const I: Self = Self(8);
    /// `RISCV_ISA_EXT_m`.
    pub const M: Self = Self(12);
    /// `RISCV_ISA_EXT_q`.
    pub const Q: Self = Self(16);
    /// `RISCV_ISA_EXT_v`.
    pub const V: Self = Self(21);
}

host_ext_ids! {
    SSCOFPMF = 26,
    SSTC = 27,
    SVINVAL = 28,
    SVPBMT = 29,
    ZBB = 30,
    ZICBOM = 31,
    ZIHINTPAUSE = 32,
    SVNAPOT = 33,
    ZICBOZ = 34,
    SMAIA = 35,
    SSAIA = 36,
    ZBA = 37,
    ZBS = 38,
    ZICNTR = 39,
    ZICSR = 40,
    ZIFENCEI = 41,
    ZIHPM = 42,
    SMSTATEEN = 43,
    ZICOND = 44,
    ZBC = 45,
    ZBKB = 46,
    ZBKC = 47,
    ZBKX = 48,
    ZKND = 49,
    ZKNE = 50,
    ZKNH = 51,
    ZKR = 52,
    ZKSED = 53,
    ZKSH = 54,
    ZKT = 55,
    ZVBB = 56,
    ZVBC = 57,
    ZVKB = 58,
    ZVKG = 59,
    ZVKNED = 60,
    ZVKNHA = 61,
    ZVKNHB = 62,
    ZVKSED = 63,
    ZVKSH = 64,
    ZVKT = 65,
    ZFH = 66,
    ZFHMIN = 67,
    ZIHINTNTL = 68,
    ZVFH = 69,
    ZVFHMIN = 70,
    ZFA = 71,
    ZTSO = 72,
    ZACAS = 73,
    ZVE32X = 74,
    ZVE32F = 75,
    ZVE64X = 76,
    ZVE64F = 77,
    ZVE64D = 78,
    ZIMOP = 79,
    ZCA = 80,
    ZCB = 81,
    ZCD = 82,
    ZCF = 83,
    ZCMOP = 84,
    ZAWRS = 85,
    SVVPTC = 86,
    XLINUXENVCFG = 127,
}
