// SPDX-License-Identifier: GPL-2.0

//! KVM extension ids ([`IsaExt`], `KVM_RISCV_ISA_EXT_*` of `<asm/kvm.h>`)
//! and their host ids ([`KVM_TO_HOST`]).

use super::host_ext_id::HostExtId;
use crate::logic::onereg::{IsaExtId, KVM_RISCV_ISA_EXT_MAX};

/// Number of KVM ISA extension ids, as an array length.
pub(super) const KVM_EXTS: usize = KVM_RISCV_ISA_EXT_MAX as usize;

/// Defines [`IsaExt`], [`IsaExt::ALL`], [`IsaExt::name`] and [`KVM_TO_HOST`]
/// from one list of `Variant = KVM id => host id`, so that the enum and
/// the mapping cannot drift apart. The host id's name is also the UAPI
/// name (upstream's `KVM_ISA_EXT_ARR()` relies on that too).
macro_rules! kvm_isa_exts {
    ($($variant:ident = $id:literal => $host:ident,)*) => {
        /// A KVM ISA extension (`enum KVM_RISCV_ISA_EXT_ID`); the
        /// discriminant is the KVM id.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        pub enum IsaExt {
            $(
                #[doc = concat!("`KVM_RISCV_ISA_EXT_", stringify!($host), "`.")]
                $variant = $id,
            )*
        }

        impl IsaExt {
            /// Every KVM extension, in KVM id order (`ALL[n]` has id `n`).
            pub const ALL: [IsaExt; KVM_EXTS] = [$(IsaExt::$variant,)*];

            /// The UAPI name without its `KVM_RISCV_ISA_EXT_` prefix.
            pub const fn name(self) -> &'static str {
                match self {
                    $(IsaExt::$variant => stringify!($host),)*
                }
            }
        }

        /// `kvm_isa_ext_arr` (25-91): the host id of each KVM id, in KVM id
        /// order. Upstream lists the entries by name (single letters, then
        /// multi-letter alphabetically); here entry `n` is KVM id `n`.
        pub const KVM_TO_HOST: [HostExtId; KVM_EXTS] = [$(HostExtId::$host,)*];
    };
}

// `KVM_RISCV_ISA_EXT_*` of `<asm/kvm.h>` in 6.12, each with its host id.
kvm_isa_exts! {
    A = 0 => A,
    C = 1 => C,
    D = 2 => D,
    F = 3 => F,
    H = 4 => H,
    I = 5 => I,
    M = 6 => M,
    Svpbmt = 7 => SVPBMT,
    Sstc = 8 => SSTC,
    Svinval = 9 => SVINVAL,
    Zihintpause = 10 => ZIHINTPAUSE,
    Zicbom = 11 => ZICBOM,
    Zicboz = 12 => ZICBOZ,
    Zbb = 13 => ZBB,
    Ssaia = 14 => SSAIA,
    V = 15 => V,
    Svnapot = 16 => SVNAPOT,
    Zba = 17 => ZBA,
    Zbs = 18 => ZBS,
    Zicntr = 19 => ZICNTR,
    Zicsr = 20 => ZICSR,
    Zifencei = 21 => ZIFENCEI,
    Zihpm = 22 => ZIHPM,
    Smstateen = 23 => SMSTATEEN,
    Zicond = 24 => ZICOND,
    Zbc = 25 => ZBC,
    Zbkb = 26 => ZBKB,
    Zbkc = 27 => ZBKC,
    Zbkx = 28 => ZBKX,
    Zknd = 29 => ZKND,
    Zkne = 30 => ZKNE,
    Zknh = 31 => ZKNH,
    Zkr = 32 => ZKR,
    Zksed = 33 => ZKSED,
    Zksh = 34 => ZKSH,
    Zkt = 35 => ZKT,
    Zvbb = 36 => ZVBB,
    Zvbc = 37 => ZVBC,
    Zvkb = 38 => ZVKB,
    Zvkg = 39 => ZVKG,
    Zvkned = 40 => ZVKNED,
    Zvknha = 41 => ZVKNHA,
    Zvknhb = 42 => ZVKNHB,
    Zvksed = 43 => ZVKSED,
    Zvksh = 44 => ZVKSH,
    Zvkt = 45 => ZVKT,
    Zfh = 46 => ZFH,
    Zfhmin = 47 => ZFHMIN,
    Zihintntl = 48 => ZIHINTNTL,
    Zvfh = 49 => ZVFH,
    Zvfhmin = 50 => ZVFHMIN,
    Zfa = 51 => ZFA,
    Ztso = 52 => ZTSO,
    Zacas = 53 => ZACAS,
    Sscofpmf = 54 => SSCOFPMF,
    Zimop = 55 => ZIMOP,
    Zca = 56 => ZCA,
    Zcb = 57 => ZCB,
    Zcd = 58 => ZCD,
    Zcf = 59 => ZCF,
    Zcmop = 60 => ZCMOP,
    Zawrs = 61 => ZAWRS,
}

impl IsaExt {
    /// The KVM id.
    pub const fn index(self) -> u32 {
        self as u32
    }

    /// The extension with KVM id `n`, if the table has one. Upstream
    /// bounds the id by both `KVM_RISCV_ISA_EXT_MAX` and the table size
    /// (587-588, 608-609); here they are one number.
    pub const fn from_index(n: u64) -> Option<Self> {
        if n < KVM_EXTS as u64 {
            Some(Self::ALL[n as usize])
        } else {
            None
        }
    }

    /// The extension a ONE_REG id names.
    pub const fn from_id(id: IsaExtId) -> Option<Self> {
        Self::from_index(id.get() as u64)
    }

    /// The host id behind this KVM id (`kvm_isa_ext_arr[id]`).
    pub const fn host_id(self) -> HostExtId {
        // In bounds: ALL and KVM_TO_HOST both have one entry per variant,
        // and the checks below pin `ALL[n] as usize == n`.
        KVM_TO_HOST[self as usize]
    }

    /// The KVM extension for host id `host`, if KVM exposes it
    /// (`kvm_riscv_vcpu_base2isa_ext()`, 93-103, which upstream only asks
    /// about single letters).
    pub const fn from_host(host: HostExtId) -> Option<Self> {
        let mut i = 0;
        while i < KVM_EXTS {
            if KVM_TO_HOST[i].0 == host.0 {
                return Some(Self::ALL[i]);
            }
            i += 1;
        }
        None
    }
}

// Build-time checks of the tables' shape: `ALL[n]` is id `n` (which makes
// `host_id` in bounds), and no two KVM ids share a host id (which makes
// `from_host` the inverse of `host_id`).
const _: () = {
    let mut i = 0;
    while i < KVM_EXTS {
        assert!(IsaExt::ALL[i] as usize == i);
        let mut j = i + 1;
        while j < KVM_EXTS {
            assert!(KVM_TO_HOST[i].0 != KVM_TO_HOST[j].0);
            j += 1;
        }
        i += 1;
    }
};
