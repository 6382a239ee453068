// SPDX-License-Identifier: GPL-2.0

//! The vCPU's ISA: which extensions a guest sees, and the ONE_REG rules for
//! changing them.
//!
//! Two id spaces meet here:
//!
//! - host ids ([`HostExtId`], `RISCV_ISA_EXT_*` of `<asm/hwcap.h>`): single
//!   letters at `letter - 'a'` (0..26), multi-letter extensions from
//!   [`RISCV_ISA_EXT_BASE`] up, below [`RISCV_ISA_EXT_MAX`]. These are
//!   kernel-internal and renumber between releases;
//! - KVM ids ([`IsaExt`], `KVM_RISCV_ISA_EXT_*` of `<asm/kvm.h>`), the
//!   stable userspace ABI: dense, never reused.
//!
//! Like upstream's `vcpu->arch.isa`, the vCPU's enabled set ([`VcpuIsa`])
//! is kept in host-id space, so that a guest-visible extension is tested
//! with the same id as the host's. [`KVM_TO_HOST`] links the two.
//!
//! Everything mirrors Linux 6.12; line numbers refer to
//! `arch/riscv/kvm/vcpu_onereg.c` unless another file is named.
//!
//! # Who may change what
//!
//! | rule | upstream |
//! |------|----------|
//! | initial ISA: on the host and [`enable_allowed`] | `setup_isa`, 191-201 |
//! | never enabled: H; Sscofpmf without host Ssaia; V unless the calling task may use vector | `isa_enable_allowed`, 105-120 |
//! | never disabled: A, C, I, M and 49 multi-letter extensions with no off switch; Ssaia without host Smstateen | `isa_disable_allowed`, 122-189 |
//!
//! # Errors
//!
//! | register | checks, first failure wins |
//! |----------|----------------------------|
//! | CONFIG `isa` set | a bit in 25..=31 set: `EINVAL`; value equal to the current one: no-op; vCPU ran: `EBUSY`; else coerced, never rejected (274-306) |
//! | ISA_EXT single get | no such KVM id, or not on the host: `ENOENT` (587-593) |
//! | ISA_EXT single set | no such KVM id, or not on the host: `ENOENT`; value equal to the current 0/1: no-op; vCPU ran: `EBUSY`; value 1 not [`enable_allowed`], 0 not [`disable_allowed`], or any other value: `EINVAL` (608-634) |
//! | ISA_EXT MULTI_EN/MULTI_DIS set | never fails: each set bit is a single set whose error is dropped (672-678) |
//!
//! The id checks (size, subtype, word number) are [`super::onereg`]'s.
//!
//! Every successful write that reaches the "not yet run" branch is followed
//! upstream by `kvm_riscv_vcpu_fp_reset()` (304, 632), which recomputes
//! `sstatus.FS` from F/D. That reset is state outside this module, so the
//! setters report it as [`IsaWrite::Written`] for the caller to act on.

use super::onereg::{IsaExtId, IsaExtReg, IsaWord, RegIdError, KVM_RISCV_ISA_EXT_MAX};

/// First multi-letter host id; ids below it are single letters
/// (`RISCV_ISA_EXT_BASE`).
pub const RISCV_ISA_EXT_BASE: u32 = 26;
/// Number of host ids (`RISCV_ISA_EXT_MAX`): the host bitmaps are this
/// many bits.
pub const RISCV_ISA_EXT_MAX: u32 = 128;

/// The single-letter bits of ISA word 0 (`KVM_RISCV_BASE_ISA_MASK`,
/// `GENMASK(25, 0)`): what the CONFIG `isa` register shows and changes.
pub const KVM_RISCV_BASE_ISA_MASK: u64 = (1 << RISCV_ISA_EXT_BASE) - 1;

/// Number of KVM ISA extension ids, as an array length.
const KVM_EXTS: usize = KVM_RISCV_ISA_EXT_MAX as usize;
/// Words of a 128-bit host-id bitmap.
const WORDS: usize = (RISCV_ISA_EXT_MAX / 64) as usize;

// ---------------------------------------------------------------------------
// Host extension ids
// ---------------------------------------------------------------------------

/// A host ISA extension id (`RISCV_ISA_EXT_*`), below
/// [`RISCV_ISA_EXT_MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostExtId(u8);

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
    const fn pos(self) -> (usize, u64) {
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

// ---------------------------------------------------------------------------
// KVM extension ids and the mapping
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Bitmaps
// ---------------------------------------------------------------------------

/// The host's ISA extensions: a bitmap over host ids, as the kernel's
/// `riscv_isa[]` (word `n` holds ids `64 * n ..`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostIsa(pub [u64; WORDS]);

impl HostIsa {
    /// No extension at all.
    pub const EMPTY: Self = Self([0; WORDS]);

    /// Whether the host has `ext` (`__riscv_isa_extension_available(NULL,
    /// ext)`).
    pub const fn has(&self, ext: HostExtId) -> bool {
        let (w, bit) = ext.pos();
        self.0[w] & bit != 0
    }

    /// Whether the host has the extension behind KVM id `ext`.
    pub const fn has_ext(&self, ext: IsaExt) -> bool {
        self.has(ext.host_id())
    }

    /// `self` with `ext` added; for building a host description.
    #[must_use]
    pub const fn with(mut self, ext: HostExtId) -> Self {
        let (w, bit) = ext.pos();
        self.0[w] |= bit;
        self
    }

    /// Word 0: the single letters and the first multi-letter ids
    /// (`riscv_isa_extension_base(NULL)`).
    pub const fn base(&self) -> u64 {
        self.0[0]
    }
}

/// The extensions enabled on a vCPU: a bitmap over host ids, as upstream's
/// `vcpu->arch.isa`.
///
/// Only this module's functions change it, so it holds only extensions
/// that KVM exposes, the host has (given the same [`HostIsa`] every time)
/// and that [`enable_allowed`] admitted at some point; in particular never
/// H.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VcpuIsa([u64; WORDS]);

impl VcpuIsa {
    /// No extension at all: a vCPU before `kvm_riscv_vcpu_setup_isa()`
    /// (`bitmap_zero()` in `kvm_arch_vcpu_create()`, vcpu.c:119).
    pub const EMPTY: Self = Self([0; WORDS]);

    /// The bitmap words.
    pub const fn words(&self) -> [u64; WORDS] {
        self.0
    }

    /// Whether `ext` is enabled (`__riscv_isa_extension_available(
    /// vcpu->arch.isa, ext)`).
    pub const fn has(&self, ext: HostExtId) -> bool {
        let (w, bit) = ext.pos();
        self.0[w] & bit != 0
    }

    /// Whether the extension behind KVM id `ext` is enabled.
    pub const fn has_ext(&self, ext: IsaExt) -> bool {
        self.has(ext.host_id())
    }

    const fn set(&mut self, ext: HostExtId, on: bool) {
        let (w, bit) = ext.pos();
        if on {
            self.0[w] |= bit;
        } else {
            self.0[w] &= !bit;
        }
    }
}

/// `bits` (a host-id bitmap) as a bitmap over KVM ids: bit `n` set when
/// KVM id `n`'s host id is in `bits`.
const fn to_kvm_bitmap(bits: &[u64; WORDS]) -> u64 {
    let mut out = 0;
    let mut i = 0;
    while i < KVM_EXTS {
        let (w, bit) = KVM_TO_HOST[i].pos();
        if bits[w] & bit != 0 {
            out |= 1 << i;
        }
        i += 1;
    }
    out
}

// KVM id bitmaps are one u64, as `VcpuDesc` keeps them.
const _: () = assert!(KVM_EXTS <= 64);

/// What the host has, as a bitmap over KVM ids: `VcpuDesc::host_isa` of
/// [`super::onereg`].
pub const fn kvm_isa_bitmap(host: &HostIsa) -> u64 {
    to_kvm_bitmap(&host.0)
}

/// What the vCPU has enabled, as a bitmap over KVM ids:
/// `VcpuDesc::isa` of [`super::onereg`].
pub const fn vcpu_kvm_isa_bitmap(vcpu: &VcpuIsa) -> u64 {
    to_kvm_bitmap(&vcpu.0)
}

// ---------------------------------------------------------------------------
// Policy
// ---------------------------------------------------------------------------

/// Whether upstream 6.12 lets userspace enable `ext` on a vCPU
/// (`kvm_riscv_vcpu_isa_enable_allowed()`, 105-120). `vector_allowed` is
/// `riscv_v_vstate_ctrl_user_allowed()`: whether the *calling task* may
/// use vector (its `PR_RISCV_V_VSTATE_CTRL` state), so the caller computes
/// it afresh for each ioctl rather than once per host.
pub const fn upstream_enable_allowed(ext: IsaExt, host: &HostIsa, vector_allowed: bool) -> bool {
    match ext {
        // KVM does not virtualise the hypervisor extension.
        IsaExt::H => false,
        // Sscofpmf's overflow interrupt filtering needs Ssaia (110-112),
        // on the host, not on the vCPU.
        IsaExt::Sscofpmf => host.has(HostExtId::SSAIA),
        // The guest's vector state lives in the calling task's.
        IsaExt::V => vector_allowed,
        _ => true,
    }
}

/// Whether this backend switches the state `ext` gives a guest.
///
/// Upstream offers Ssaia, Smstateen and Sscofpmf wherever the host has
/// them; this backend does not switch their state yet (the AIA CSRs and
/// IMSIC guest files, `sstateen0`/`hstateen0`, the PMU and its overflow
/// interrupt), so a guest that used them would share or corrupt the
/// host's. Each is offered once its state is switched and tested.
pub const fn virtualised(ext: IsaExt) -> bool {
    !matches!(ext, IsaExt::Ssaia | IsaExt::Smstateen | IsaExt::Sscofpmf)
}

/// Whether userspace may enable `ext` on a vCPU: upstream's rule, for
/// what this backend virtualises.
pub const fn enable_allowed(ext: IsaExt, host: &HostIsa, vector_allowed: bool) -> bool {
    virtualised(ext) && upstream_enable_allowed(ext, host, vector_allowed)
}

/// Whether userspace may disable `ext` on a vCPU
/// (`kvm_riscv_vcpu_isa_disable_allowed()`, 122-189). An extension can be
/// hidden only if the hypervisor can make it trap or vanish; every variant
/// is listed so that a new one needs a decision.
pub const fn disable_allowed(ext: IsaExt, host: &HostIsa) -> bool {
    use IsaExt::*;
    match ext {
        // No mechanism to disable them (126-180): instructions or CSRs the
        // guest reaches without a hypervisor control bit. Sstc is here
        // although henvcfg.STCE exists: 6.12 lists it (132).
        A | C | I | M | Sscofpmf | Sstc | Svinval | Svnapot | Zacas | Zawrs | Zba | Zbb | Zbc
        | Zbkb | Zbkc | Zbkx | Zbs | Zca | Zcb | Zcd | Zcf | Zcmop | Zfa | Zfh | Zfhmin
        | Zicntr | Zicond | Zicsr | Zifencei | Zihintntl | Zihintpause | Zihpm | Zimop | Zknd
        | Zkne | Zknh | Zkr | Zksed | Zksh | Zkt | Ztso | Zvbb | Zvbc | Zvfh | Zvfhmin | Zvkb
        | Zvkg | Zvkned | Zvknha | Zvknhb | Zvksed | Zvksh | Zvkt => false,
        // hstateen0 hides the AIA CSRs only where the host has Smstateen
        // (182-183).
        Ssaia => host.has(HostExtId::SMSTATEEN),
        // The default (184-188): FS/VS off, henvcfg bits clear, hstateen0
        // bit clear, or (H) never on in the first place.
        D | F | H | V | Svpbmt | Zicbom | Zicboz | Smstateen => true,
    }
}

/// The ISA a new vCPU starts with (`kvm_riscv_vcpu_setup_isa()`, 191-201):
/// every KVM extension the host has and [`enable_allowed`] admits.
pub fn initial_vcpu_isa(host: &HostIsa, vector_allowed: bool) -> VcpuIsa {
    let mut isa = VcpuIsa::EMPTY;
    for ext in IsaExt::ALL {
        if host.has_ext(ext) && enable_allowed(ext, host, vector_allowed) {
            isa.set(ext.host_id(), true);
        }
    }
    isa
}

// ---------------------------------------------------------------------------
// Setters' results
// ---------------------------------------------------------------------------

/// Why upstream rejects an ISA write or read, and with which errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsaError {
    /// The extension is unknown or not on the host: `-ENOENT`.
    NotFound,
    /// The value is out of range or the change is not allowed: `-EINVAL`.
    Invalid,
    /// The vCPU has run, so its ISA is frozen: `-EBUSY`.
    Busy,
}

impl IsaError {
    /// The negative errno the ioctl returns.
    pub const fn to_errno(self) -> i32 {
        match self {
            IsaError::NotFound => RegIdError::NotFound.to_errno(),
            IsaError::Invalid => RegIdError::BadValue.to_errno(),
            IsaError::Busy => RegIdError::Busy.to_errno(),
        }
    }
}

impl From<IsaError> for RegIdError {
    fn from(e: IsaError) -> Self {
        match e {
            IsaError::NotFound => RegIdError::NotFound,
            IsaError::Invalid => RegIdError::BadValue,
            IsaError::Busy => RegIdError::Busy,
        }
    }
}

/// What a successful ISA write did.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsaWrite {
    /// Nothing: upstream returned before touching the vCPU.
    Unchanged,
    /// The ISA was rewritten, possibly to the same set (the CONFIG `isa`
    /// coercions can undo a request). Upstream follows every such write
    /// with `kvm_riscv_vcpu_fp_reset()`, and so must the caller: it moves
    /// `sstatus.FS` to Initial or Off, which is observable, so it must not
    /// happen on [`IsaWrite::Unchanged`].
    Written,
}

impl IsaWrite {
    /// Whether the caller must reset the guest's FP state.
    pub const fn needs_fp_reset(self) -> bool {
        matches!(self, IsaWrite::Written)
    }

    const fn or(self, other: Self) -> Self {
        match (self, other) {
            (IsaWrite::Unchanged, IsaWrite::Unchanged) => IsaWrite::Unchanged,
            _ => IsaWrite::Written,
        }
    }
}

// ---------------------------------------------------------------------------
// CONFIG `isa`
// ---------------------------------------------------------------------------

/// Value of the CONFIG `isa` register: the enabled single letters, bit
/// `letter - 'a'` (217-218).
pub const fn config_isa_value(vcpu: &VcpuIsa) -> u64 {
    vcpu.0[0] & KVM_RISCV_BASE_ISA_MASK
}

/// Writes the CONFIG `isa` register (274-306).
///
/// In upstream order:
///
/// 1. `EINVAL` if `fls(value) >= RISCV_ISA_EXT_BASE` (274). `fls()` takes
///    an `unsigned int`, so this rejects bits 25..=31 (`z` included) and
///    lets bits 32..=63 through, to be dropped in step 4.
/// 2. No-op if `value` equals [`config_isa_value`] (281), even after the
///    vCPU ran.
/// 3. `EBUSY` if the vCPU ran (306).
/// 4. Otherwise `value` is coerced, never rejected (286-303): letters KVM
///    does not expose are cleared, letters [`enable_allowed`] refuses are
///    cleared, letters [`disable_allowed`] refuses are set, the result is
///    masked with the host's word 0 and replaces the vCPU's single
///    letters; multi-letter extensions stay as they are. The result is
///    [`IsaWrite::Written`] even when the set did not change.
pub fn set_config_isa(
    vcpu: &mut VcpuIsa,
    host: &HostIsa,
    value: u64,
    ran: bool,
    vector_allowed: bool,
) -> Result<IsaWrite, IsaError> {
    // The truncation is upstream's: fls() sees only the low 32 bits.
    if (value as u32) >> (RISCV_ISA_EXT_BASE - 1) != 0 {
        return Err(IsaError::Invalid);
    }
    if value == config_isa_value(vcpu) {
        return Ok(IsaWrite::Unchanged);
    }
    if ran {
        return Err(IsaError::Busy);
    }
    let mut v = value;
    let mut letter = 0;
    while letter < RISCV_ISA_EXT_BASE {
        let bit = 1u64 << letter;
        match HostExtId::new(letter).and_then(IsaExt::from_host) {
            None => v &= !bit,
            Some(ext) => {
                // Enable first, then disable, as upstream: a letter refused
                // both ways would end up set (there is none in 6.12).
                if !enable_allowed(ext, host, vector_allowed) {
                    v &= !bit;
                }
                if !disable_allowed(ext, host) {
                    v |= bit;
                }
            }
        }
        letter += 1;
    }
    v &= host.base();
    vcpu.0[0] = (vcpu.0[0] & !KVM_RISCV_BASE_ISA_MASK) | (v & KVM_RISCV_BASE_ISA_MASK);
    Ok(IsaWrite::Written)
}

// ---------------------------------------------------------------------------
// ISA_EXT registers
// ---------------------------------------------------------------------------

/// The extension behind `id` if the host has it; `ENOENT` otherwise
/// (587-593, 608-614).
fn host_ext(host: &HostIsa, id: IsaExtId) -> Result<IsaExt, IsaError> {
    match IsaExt::from_id(id) {
        Some(ext) if host.has_ext(ext) => Ok(ext),
        _ => Err(IsaError::NotFound),
    }
}

/// Reads ISA_EXT single register `id`: 1 if enabled on the vCPU, 0 if not
/// (581-600).
pub fn ext_get(vcpu: &VcpuIsa, host: &HostIsa, id: IsaExtId) -> Result<u64, IsaError> {
    let ext = host_ext(host, id)?;
    Ok(u64::from(vcpu.has_ext(ext)))
}

/// Writes ISA_EXT single register `id` (602-638).
///
/// In upstream order: `ENOENT` if KVM or the host lacks the extension; a
/// no-op if `value` is the current 0/1 (even after the vCPU ran); `EBUSY`
/// if the vCPU ran (so a value other than 0/1 gets `EBUSY`, not `EINVAL`,
/// then); `EINVAL` for a value other than 0/1 and for an enable or disable
/// the extension does not allow.
pub fn ext_set(
    vcpu: &mut VcpuIsa,
    host: &HostIsa,
    id: IsaExtId,
    value: u64,
    ran: bool,
    vector_allowed: bool,
) -> Result<IsaWrite, IsaError> {
    let ext = host_ext(host, id)?;
    if value == u64::from(vcpu.has_ext(ext)) {
        return Ok(IsaWrite::Unchanged);
    }
    if ran {
        return Err(IsaError::Busy);
    }
    let on = match value {
        1 if enable_allowed(ext, host, vector_allowed) => true,
        0 if disable_allowed(ext, host) => false,
        _ => return Err(IsaError::Invalid),
    };
    vcpu.set(ext.host_id(), on);
    Ok(IsaWrite::Written)
}

/// KVM ids covered by MULTI word `word`, with their bit in the word: ids
/// `64 * word ..`, stopping at the last KVM id (651-652, 674-675).
fn word_exts(word: IsaWord) -> impl Iterator<Item = (u64, IsaExtId)> {
    let first = u64::from(word.get()) * 64;
    (0..64u32)
        .map_while(move |bit| IsaExtId::new(first + u64::from(bit)).map(|id| (1u64 << bit, id)))
}

/// Reads ISA_EXT MULTI_EN word `word`: bit `n` set when KVM id
/// `64 * word + n` is on the host and enabled on the vCPU (640-661).
/// MULTI_DIS reads as its complement, unused bits included (709).
pub fn ext_get_multi(vcpu: &VcpuIsa, host: &HostIsa, word: IsaWord) -> u64 {
    word_exts(word)
        .filter(|&(_, id)| ext_get(vcpu, host, id) == Ok(1))
        .fold(0, |acc, (bit, _)| acc | bit)
}

/// Writes ISA_EXT MULTI_EN (`enable`) or MULTI_DIS (`!enable`) word
/// `word` (663-681): an [`ext_set`] of 1 or 0 for each set bit of `value`
/// that names a KVM id, ignoring each one's error (677), so this never
/// fails, not even after the vCPU ran.
pub fn ext_set_multi(
    vcpu: &mut VcpuIsa,
    host: &HostIsa,
    word: IsaWord,
    value: u64,
    enable: bool,
    ran: bool,
    vector_allowed: bool,
) -> IsaWrite {
    let mut done = IsaWrite::Unchanged;
    for (bit, id) in word_exts(word) {
        if value & bit != 0 {
            if let Ok(w) = ext_set(vcpu, host, id, u64::from(enable), ran, vector_allowed) {
                done = done.or(w);
            }
        }
    }
    done
}

/// Reads ISA_EXT register `reg` (683-722, after the id checks).
pub fn get_reg(vcpu: &VcpuIsa, host: &HostIsa, reg: IsaExtReg) -> Result<u64, IsaError> {
    match reg {
        IsaExtReg::Single(id) => ext_get(vcpu, host, id),
        IsaExtReg::MultiEn(w) => Ok(ext_get_multi(vcpu, host, w)),
        IsaExtReg::MultiDis(w) => Ok(!ext_get_multi(vcpu, host, w)),
    }
}

/// Writes ISA_EXT register `reg` (724-757, after the id checks).
pub fn set_reg(
    vcpu: &mut VcpuIsa,
    host: &HostIsa,
    reg: IsaExtReg,
    value: u64,
    ran: bool,
    vector_allowed: bool,
) -> Result<IsaWrite, IsaError> {
    match reg {
        IsaExtReg::Single(id) => ext_set(vcpu, host, id, value, ran, vector_allowed),
        IsaExtReg::MultiEn(w) => Ok(ext_set_multi(
            vcpu,
            host,
            w,
            value,
            true,
            ran,
            vector_allowed,
        )),
        IsaExtReg::MultiDis(w) => Ok(ext_set_multi(
            vcpu,
            host,
            w,
            value,
            false,
            ran,
            vector_allowed,
        )),
    }
}

// ---------------------------------------------------------------------------
// Configuration derived from the ISA on first run
// ---------------------------------------------------------------------------

/// `henvcfg.CBIE`: cache-block invalidate instructions enabled (value 3,
/// invalidate) for the guest.
pub const ENVCFG_CBIE: u64 = 0x3 << 4;
/// `henvcfg.CBCFE`: cache-block clean and flush instructions enabled.
pub const ENVCFG_CBCFE: u64 = 1 << 6;
/// `henvcfg.CBZE`: cache-block zero instructions enabled.
pub const ENVCFG_CBZE: u64 = 1 << 7;
/// `henvcfg.PBMTE`: Svpbmt memory types honoured in VS-stage tables.
pub const ENVCFG_PBMTE: u64 = 1 << 62;
/// `henvcfg.STCE`: the guest's `stimecmp` is live.
pub const ENVCFG_STCE: u64 = 1 << 63;

/// `hstateen0` bit 58: the guest may reach the IMSIC guest file.
pub const SMSTATEEN0_AIA_IMSIC: u64 = 1 << 58;
/// `hstateen0` bit 59: the guest may reach the other AIA state.
pub const SMSTATEEN0_AIA: u64 = 1 << 59;
/// `hstateen0` bit 60: the guest may reach `siselect`/`sireg`.
pub const SMSTATEEN0_AIA_ISEL: u64 = 1 << 60;
/// `hstateen0` bit 62: the guest may reach `senvcfg`.
pub const SMSTATEEN0_HSENVCFG: u64 = 1 << 62;
/// `hstateen0` bit 63: the guest may reach `sstateen0`.
pub const SMSTATEEN0_SSTATEEN0: u64 = 1 << 63;

/// The vCPU's `henvcfg` (`kvm_riscv_vcpu_setup_config()`, vcpu.c:564-574):
/// each guest-visible feature `henvcfg` gates is switched on exactly when
/// the extension is enabled on the vCPU. Upstream computes it on the first
/// `KVM_RUN` (vcpu.c:766-767), when the ISA is frozen.
pub const fn henvcfg(vcpu: &VcpuIsa) -> u64 {
    let mut v = 0;
    if vcpu.has(HostExtId::SVPBMT) {
        v |= ENVCFG_PBMTE;
    }
    if vcpu.has(HostExtId::SSTC) {
        v |= ENVCFG_STCE;
    }
    if vcpu.has(HostExtId::ZICBOM) {
        v |= ENVCFG_CBIE | ENVCFG_CBCFE;
    }
    if vcpu.has(HostExtId::ZICBOZ) {
        v |= ENVCFG_CBZE;
    }
    v
}

/// The vCPU's `hstateen0` (vcpu.c:576-584): 0 without host Smstateen (the
/// CSR does not exist); otherwise `senvcfg` access, plus the AIA state
/// with Ssaia and `sstateen0` with Smstateen on the vCPU. A clear bit
/// makes the guest's access trap, which is how Ssaia is disabled.
pub const fn hstateen0(vcpu: &VcpuIsa, host_has_smstateen: bool) -> u64 {
    if !host_has_smstateen {
        return 0;
    }
    let mut v = SMSTATEEN0_HSENVCFG;
    if vcpu.has(HostExtId::SSAIA) {
        v |= SMSTATEEN0_AIA_IMSIC | SMSTATEEN0_AIA | SMSTATEEN0_AIA_ISEL;
    }
    if vcpu.has(HostExtId::SMSTATEEN) {
        v |= SMSTATEEN0_SSTATEEN0;
    }
    v
}

#[cfg(test)]
#[path = "isa_tests.rs"]
mod tests;
