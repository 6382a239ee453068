// SPDX-License-Identifier: GPL-2.0

//! `KVM_{GET,SET}_ONE_REG` register ids and the `KVM_GET_REG_LIST` list.
//!
//! A RISC-V register id is
//! `arch | size | type << 24 | subtype << 16 | index`, with the fields laid
//! out by `<linux/kvm.h>` and `<asm/kvm.h>`. Userspace (QEMU, kvmtool, the
//! selftests) saves and restores a vCPU by walking the list and passing
//! every id back, and probes features by the errno an id gets, so both the
//! list (contents and order) and every errno are ABI. Everything here
//! mirrors Linux 6.12 (`arch/riscv/kvm/vcpu_onereg.c` and the ONE_REG parts
//! of `vcpu_fp.c`, `vcpu_timer.c`, `vcpu_vector.c`, `vcpu_sbi.c`,
//! `vcpu_sbi_sta.c` and `aia.c`); line numbers below refer to those files.
//!
//! The backend is RV64 only (`Kconfig`: `depends on 64BIT`), so
//! `unsigned long` is 8 bytes throughout.
//!
//! # Where each verdict comes from
//!
//! - [`parse`] decodes an id with no vCPU at hand: the checks that depend
//!   only on the id, in upstream order.
//! - [`lookup`] is the verdict of `KVM_GET_ONE_REG`: [`parse`] plus the
//!   checks on the vCPU's extensions, in upstream order (for FP and vector
//!   registers the extension is checked before the size).
//! - [`set_precheck`] is what `KVM_SET_ONE_REG` rejects before it copies
//!   the value from userspace; a faulting buffer therefore yields `EFAULT`
//!   or one of these errors exactly as upstream would.
//! - [`lookup_set`] is the verdict of `KVM_SET_ONE_REG` on the id once the
//!   value is in: the same as [`lookup`], except that SBI extension
//!   single registers reject a value other than 0 or 1 before the id.
//!
//! Per type, in upstream order (`size` is `KVM_REG_SIZE(id)`, `num` the id
//! without its arch, size and type fields):
//!
//! | type      | checks, first failure wins                                  |
//! |-----------|-------------------------------------------------------------|
//! | CONFIG    | size != 8: EINVAL; num unknown, or Zicbom/Zicboz block size without the extension on the vCPU: ENOENT |
//! | CORE      | size != 8: EINVAL; num >= 33: ENOENT                        |
//! | CSR       | size != 8: EINVAL; subtype GENERAL/AIA: index out of range: ENOENT; subtype SMSTATEEN: host without Smstateen or index != 0: EINVAL; other subtype: ENOENT |
//! | TIMER     | size != 8: EINVAL; num >= 4: ENOENT                         |
//! | FP_F      | vCPU without F: ENOENT; size != 4: EINVAL; num > 32: ENOENT |
//! | FP_D      | vCPU without D: ENOENT; num > 32: ENOENT; size != 4 (fcsr) or 8 (f0..f31): EINVAL |
//! | VECTOR    | vCPU without V: ENOENT; num < 6: size != 8: EINVAL, num 5 (`datap`): ENOENT; num 6..=37: size != vlenb: EINVAL; else ENOENT |
//! | ISA_EXT   | size != 8: EINVAL; SINGLE: id >= 62 or not on the host: ENOENT; MULTI_*: word > 0: ENOENT; other subtype: ENOENT |
//! | SBI_EXT   | size != 8: EINVAL; set only: vCPU ran: EBUSY; SINGLE: set only: value > 1: EINVAL; id >= 11 or unavailable: ENOENT; MULTI_*: word > 0: ENOENT; other subtype: ENOENT |
//! | SBI_STATE | size != 8: EINVAL; subtype != STA: EINVAL; index > 1: EINVAL |
//! | other     | ENOENT                                                      |
//!
//! The arch field is never checked upstream (ids are masked with
//! `~KVM_REG_ARCH_MASK`), so neither is it here. Bits 32..=51 are not
//! masked away either: they end up in `num` and make it out of range.
//!
//! # Left to the caller: checks on the value written
//!
//! These come after every check above and depend on vCPU state, so the
//! kernel layer makes them when it applies a [`RegId`]:
//!
//! - CONFIG `isa`: a bit at or above 26 set: EINVAL; a change after the
//!   vCPU ran: EBUSY (`vcpu_onereg.c:274-306`).
//! - CONFIG Zicbom/Zicboz block size, `satp_mode`: a value other than the
//!   host's: EINVAL (`vcpu_onereg.c:312-319`, `346-347`).
//! - CONFIG `mvendorid`/`marchid`/`mimpid`: a change after the vCPU ran:
//!   EBUSY (`vcpu_onereg.c:321-343`).
//! - TIMER `frequency`: a value other than the timebase: EINVAL
//!   (`vcpu_timer.c:224-225`).
//! - VECTOR `vlenb`: a value other than the vCPU's: EINVAL
//!   (`vcpu_vector.c:191-192`).
//! - ISA_EXT single: a change after the vCPU ran: EBUSY; an enable or
//!   disable the extension does not allow, or a value other than 0/1:
//!   EINVAL (`vcpu_onereg.c:616-634`). MULTI_EN/MULTI_DIS ignore the
//!   per-extension failures (`vcpu_onereg.c:677`).
//! - SBI_STATE STA `shmem_hi`: non-zero on RV64: EINVAL
//!   (`vcpu_sbi_sta.c:203-204`).

use core::iter::FusedIterator;

// ---------------------------------------------------------------------------
// Id encoding (<linux/kvm.h>, <asm/kvm.h>). Kernel bindings are not
// available to the host build, so the UAPI values are restated here; the
// tests pin each one to its documented number.
// ---------------------------------------------------------------------------

/// Architecture field of a register id.
pub const KVM_REG_ARCH_MASK: u64 = 0xff00_0000_0000_0000;
/// Architecture field value of RISC-V register ids.
pub const KVM_REG_RISCV: u64 = 0x8000_0000_0000_0000;

/// Position of the size field: the register is `1 << field` bytes wide.
pub const KVM_REG_SIZE_SHIFT: u32 = 52;
/// Size field of a register id.
pub const KVM_REG_SIZE_MASK: u64 = 0x00f0_0000_0000_0000;
/// Size field of a 1-byte register.
pub const KVM_REG_SIZE_U8: u64 = 0 << KVM_REG_SIZE_SHIFT;
/// Size field of a 2-byte register.
pub const KVM_REG_SIZE_U16: u64 = 1 << KVM_REG_SIZE_SHIFT;
/// Size field of a 4-byte register.
pub const KVM_REG_SIZE_U32: u64 = 2 << KVM_REG_SIZE_SHIFT;
/// Size field of an 8-byte register.
pub const KVM_REG_SIZE_U64: u64 = 3 << KVM_REG_SIZE_SHIFT;
/// Size field of a 16-byte register.
pub const KVM_REG_SIZE_U128: u64 = 4 << KVM_REG_SIZE_SHIFT;
/// Size field of a 32-byte register.
pub const KVM_REG_SIZE_U256: u64 = 5 << KVM_REG_SIZE_SHIFT;
/// Size field of a 64-byte register.
pub const KVM_REG_SIZE_U512: u64 = 6 << KVM_REG_SIZE_SHIFT;
/// Size field of a 128-byte register.
pub const KVM_REG_SIZE_U1024: u64 = 7 << KVM_REG_SIZE_SHIFT;
/// Size field of a 256-byte register.
pub const KVM_REG_SIZE_U2048: u64 = 8 << KVM_REG_SIZE_SHIFT;

/// Position of the RISC-V register type field.
pub const KVM_REG_RISCV_TYPE_SHIFT: u32 = 24;
/// RISC-V register type field.
pub const KVM_REG_RISCV_TYPE_MASK: u64 = 0xff << KVM_REG_RISCV_TYPE_SHIFT;
/// Position of the RISC-V register subtype field.
pub const KVM_REG_RISCV_SUBTYPE_SHIFT: u32 = 16;
/// RISC-V register subtype field.
pub const KVM_REG_RISCV_SUBTYPE_MASK: u64 = 0xff << KVM_REG_RISCV_SUBTYPE_SHIFT;

/// Type 1: `struct kvm_riscv_config`.
pub const KVM_REG_RISCV_CONFIG: u64 = 0x01 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 2: `struct kvm_riscv_core`.
pub const KVM_REG_RISCV_CORE: u64 = 0x02 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 3: guest supervisor CSRs.
pub const KVM_REG_RISCV_CSR: u64 = 0x03 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 4: `struct kvm_riscv_timer`.
pub const KVM_REG_RISCV_TIMER: u64 = 0x04 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 5: F extension state.
pub const KVM_REG_RISCV_FP_F: u64 = 0x05 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 6: D extension state.
pub const KVM_REG_RISCV_FP_D: u64 = 0x06 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 7: ISA extension switches.
pub const KVM_REG_RISCV_ISA_EXT: u64 = 0x07 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 8: SBI extension switches.
pub const KVM_REG_RISCV_SBI_EXT: u64 = 0x08 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 9: vector state.
pub const KVM_REG_RISCV_VECTOR: u64 = 0x09 << KVM_REG_RISCV_TYPE_SHIFT;
/// Type 10: state of individual SBI extensions.
pub const KVM_REG_RISCV_SBI_STATE: u64 = 0x0a << KVM_REG_RISCV_TYPE_SHIFT;

/// CSR subtype 0: `struct kvm_riscv_csr`.
pub const KVM_REG_RISCV_CSR_GENERAL: u64 = 0x0 << KVM_REG_RISCV_SUBTYPE_SHIFT;
/// CSR subtype 1: `struct kvm_riscv_aia_csr`.
pub const KVM_REG_RISCV_CSR_AIA: u64 = 0x1 << KVM_REG_RISCV_SUBTYPE_SHIFT;
/// CSR subtype 2: `struct kvm_riscv_smstateen_csr`.
pub const KVM_REG_RISCV_CSR_SMSTATEEN: u64 = 0x2 << KVM_REG_RISCV_SUBTYPE_SHIFT;

/// ISA_EXT subtype 0: one extension, value 0 or 1.
pub const KVM_REG_RISCV_ISA_SINGLE: u64 = 0x0 << KVM_REG_RISCV_SUBTYPE_SHIFT;
/// ISA_EXT subtype 1: a bitmap word, set bits enable.
pub const KVM_REG_RISCV_ISA_MULTI_EN: u64 = 0x1 << KVM_REG_RISCV_SUBTYPE_SHIFT;
/// ISA_EXT subtype 2: a bitmap word, set bits disable.
pub const KVM_REG_RISCV_ISA_MULTI_DIS: u64 = 0x2 << KVM_REG_RISCV_SUBTYPE_SHIFT;

/// SBI_EXT subtype 0: one extension, value 0 or 1.
pub const KVM_REG_RISCV_SBI_SINGLE: u64 = 0x0 << KVM_REG_RISCV_SUBTYPE_SHIFT;
/// SBI_EXT subtype 1: a bitmap word, set bits enable.
pub const KVM_REG_RISCV_SBI_MULTI_EN: u64 = 0x1 << KVM_REG_RISCV_SUBTYPE_SHIFT;
/// SBI_EXT subtype 2: a bitmap word, set bits disable.
pub const KVM_REG_RISCV_SBI_MULTI_DIS: u64 = 0x2 << KVM_REG_RISCV_SUBTYPE_SHIFT;

/// SBI_STATE subtype 0: steal-time accounting (`struct kvm_riscv_sbi_sta`).
pub const KVM_REG_RISCV_SBI_STA: u64 = 0x0 << KVM_REG_RISCV_SUBTYPE_SHIFT;

/// Number of KVM ISA extension ids (`KVM_RISCV_ISA_EXT_MAX`).
pub const KVM_RISCV_ISA_EXT_MAX: u32 = 62;
/// Number of KVM SBI extension ids (`KVM_RISCV_SBI_EXT_MAX`).
pub const KVM_RISCV_SBI_EXT_MAX: u32 = 11;

/// `__BITS_PER_LONG` on RV64: the width of a MULTI_EN/MULTI_DIS word.
const BITS_PER_LONG: u32 = 64;
/// `sizeof(unsigned long)` on RV64.
const ULONG_SIZE: u32 = 8;

/// Last valid MULTI_EN/MULTI_DIS word of ISA_EXT
/// (`KVM_REG_RISCV_ISA_MULTI_REG_LAST`).
pub const KVM_REG_RISCV_ISA_MULTI_REG_LAST: u32 = (KVM_RISCV_ISA_EXT_MAX - 1) / BITS_PER_LONG;
/// Last valid MULTI_EN/MULTI_DIS word of SBI_EXT
/// (`KVM_REG_RISCV_SBI_MULTI_REG_LAST`).
pub const KVM_REG_RISCV_SBI_MULTI_REG_LAST: u32 = (KVM_RISCV_SBI_EXT_MAX - 1) / BITS_PER_LONG;

// The vCPU description keeps extension sets as one u64 bitmap each.
const _: () = assert!(KVM_RISCV_ISA_EXT_MAX <= 64 && KVM_RISCV_SBI_EXT_MAX <= 64);

/// `num`: the id without its arch, size and type fields. Upstream keeps the
/// subtype and bits 32..=51 in it, which is how ids with stray bits there
/// fail the index checks.
const NUM_MASK: u64 = !(KVM_REG_ARCH_MASK | KVM_REG_SIZE_MASK | KVM_REG_RISCV_TYPE_MASK);

/// Registers per class: the UAPI structure sizes in register-sized slots.
const CONFIG_REGS: u64 = 7; // struct kvm_riscv_config
const CORE_REGS: u64 = 33; // struct kvm_riscv_core: pc, x1..x31, mode
const CSR_GENERAL_REGS: u64 = 11; // struct kvm_riscv_csr
const CSR_AIA_REGS: u64 = 7; // struct kvm_riscv_aia_csr
const CSR_SMSTATEEN_REGS: u64 = 1; // struct kvm_riscv_smstateen_csr
const TIMER_REGS: u64 = 4; // struct kvm_riscv_timer
const FP_REGS: u64 = 33; // f0..f31, fcsr (index 32 in both F and D layouts)
const FP_FCSR: u64 = 32;
/// `sizeof(struct __riscv_v_ext_state) / sizeof(unsigned long)`: vstart,
/// vl, vtype, vcsr, vlenb, datap. `KVM_REG_RISCV_VECTOR_REG(0)`.
const VECTOR_CSR_SLOTS: u64 = 6;
const VECTOR_CSR_REGS: u64 = 5; // datap is a slot but not a register
const VECTOR_DATA_REGS: u64 = 32;
const VECTOR_REGS: u64 = VECTOR_CSR_REGS + VECTOR_DATA_REGS;
const SBI_STA_REGS: u64 = 2; // struct kvm_riscv_sbi_sta

/// Width in bytes the size field of `id` encodes (`KVM_REG_SIZE(id)`).
pub const fn reg_size(id: u64) -> u32 {
    1 << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT)
}

/// Size field for a register of `1 << log2` bytes. `log2` above 15 does
/// not fit the field; it is truncated rather than spilling into the arch
/// field.
pub const fn size_field(log2: u32) -> u64 {
    ((log2 as u64) << KVM_REG_SIZE_SHIFT) & KVM_REG_SIZE_MASK
}

// ---------------------------------------------------------------------------
// Typed register ids
// ---------------------------------------------------------------------------

/// An index in `MIN..END`. Register classes hold one for every index that
/// has no name of its own, so that a [`RegId`] cannot name a register that
/// does not exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Index<const MIN: u8, const END: u8>(u8);

impl<const MIN: u8, const END: u8> Index<MIN, END> {
    /// `n` as an index, if it is in range.
    pub const fn new(n: u64) -> Option<Self> {
        if n >= MIN as u64 && n < END as u64 {
            Some(Self(n as u8))
        } else {
            None
        }
    }

    /// The index.
    pub const fn get(self) -> u32 {
        self.0 as u32
    }

    /// The same index, passed through `clamp(offset, len)`.
    ///
    /// The kernel passes `array_index_nospec()`, which returns `offset`
    /// when `offset < len` and 0 otherwise, also under speculation: every
    /// index from userspace goes through it before it addresses memory, so
    /// that a mispredicted range check in [`Index::new`] cannot read or
    /// write out of bounds speculatively (Spectre v1). Architecturally
    /// the index is unchanged; whatever `clamp` returns, the result stays
    /// in range.
    pub fn clamped(self, clamp: impl Fn(usize, usize) -> usize) -> Self {
        let len = usize::from(END - MIN);
        let off = clamp(usize::from(self.0 - MIN), len).min(len - 1);
        // `off < len <= END - MIN`, so the sum fits and is in range.
        Self(off as u8 + MIN)
    }
}

/// General purpose register `x1..=x31` (`x0` has no register id).
pub type Gpr = Index<1, 32>;
/// Floating-point register `f0..=f31`.
pub type FReg = Index<0, 32>;
/// Vector register `v0..=v31`.
pub type VReg = Index<0, 32>;
/// Log2 of a register size, as the 4-bit size field holds it.
pub type SizeLog2 = Index<0, 16>;
/// A KVM ISA extension id (`enum KVM_RISCV_ISA_EXT_ID`).
pub type IsaExtId = Index<0, { KVM_RISCV_ISA_EXT_MAX as u8 }>;
/// A KVM SBI extension id (`enum KVM_RISCV_SBI_EXT_ID`).
pub type SbiExtId = Index<0, { KVM_RISCV_SBI_EXT_MAX as u8 }>;
/// A MULTI_EN/MULTI_DIS word of the ISA extension bitmap.
pub type IsaWord = Index<0, { KVM_REG_RISCV_ISA_MULTI_REG_LAST as u8 + 1 }>;
/// A MULTI_EN/MULTI_DIS word of the SBI extension bitmap.
pub type SbiWord = Index<0, { KVM_REG_RISCV_SBI_MULTI_REG_LAST as u8 + 1 }>;

/// The ISA extension ids this module needs (`KVM_RISCV_ISA_EXT_*`).
impl IsaExtId {
    /// `KVM_RISCV_ISA_EXT_D`: gates the FP_D registers.
    pub const D: Self = Self(2);
    /// `KVM_RISCV_ISA_EXT_F`: gates the FP_F registers.
    pub const F: Self = Self(3);
    /// `KVM_RISCV_ISA_EXT_ZICBOM`: gates the Zicbom block size.
    pub const ZICBOM: Self = Self(11);
    /// `KVM_RISCV_ISA_EXT_ZICBOZ`: gates the Zicboz block size.
    pub const ZICBOZ: Self = Self(12);
    /// `KVM_RISCV_ISA_EXT_SSAIA`: lists the AIA CSRs.
    pub const SSAIA: Self = Self(14);
    /// `KVM_RISCV_ISA_EXT_V`: gates the vector registers.
    pub const V: Self = Self(15);
    /// `KVM_RISCV_ISA_EXT_SMSTATEEN`: gates and lists the Smstateen CSRs.
    pub const SMSTATEEN: Self = Self(23);
}

/// The KVM SBI extension ids (`enum KVM_RISCV_SBI_EXT_ID`), which gate
/// the SBI extensions a guest may call (see `sbi.rs`).
impl SbiExtId {
    /// `KVM_RISCV_SBI_EXT_V01`: the legacy v0.1 calls.
    pub const V01: Self = Self(0);
    /// `KVM_RISCV_SBI_EXT_TIME`.
    pub const TIME: Self = Self(1);
    /// `KVM_RISCV_SBI_EXT_IPI`.
    pub const IPI: Self = Self(2);
    /// `KVM_RISCV_SBI_EXT_RFENCE`.
    pub const RFENCE: Self = Self(3);
    /// `KVM_RISCV_SBI_EXT_SRST`.
    pub const SRST: Self = Self(4);
    /// `KVM_RISCV_SBI_EXT_HSM`.
    pub const HSM: Self = Self(5);
    /// `KVM_RISCV_SBI_EXT_PMU`.
    pub const PMU: Self = Self(6);
    /// `KVM_RISCV_SBI_EXT_EXPERIMENTAL`: the experimental extension range.
    pub const EXPERIMENTAL: Self = Self(7);
    /// `KVM_RISCV_SBI_EXT_VENDOR`: the vendor extension range.
    pub const VENDOR: Self = Self(8);
    /// `KVM_RISCV_SBI_EXT_DBCN`.
    pub const DBCN: Self = Self(9);
    /// `KVM_RISCV_SBI_EXT_STA`: also lists the steal-time registers.
    pub const STA: Self = Self(10);
}

/// Why upstream rejects a register id, and with which errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegIdError {
    /// No such register, or not on this vCPU: `-ENOENT`.
    NotFound,
    /// The size field does not match the register: `-EINVAL`.
    BadSize,
    /// A register class that answers `-EINVAL` rather than `-ENOENT` for
    /// a register it lacks (Smstateen CSRs, SBI state).
    Invalid,
    /// The value written is rejected before the id is (SBI extension
    /// single registers): `-EINVAL`.
    BadValue,
    /// The setting can no longer change because the vCPU has run:
    /// `-EBUSY`.
    Busy,
}

impl RegIdError {
    /// The negative errno the ioctl returns, as the C backend returns it.
    pub const fn to_errno(self) -> i32 {
        const ENOENT: i32 = 2;
        const EBUSY: i32 = 16;
        const EINVAL: i32 = 22;
        match self {
            RegIdError::NotFound => -ENOENT,
            RegIdError::BadSize | RegIdError::Invalid | RegIdError::BadValue => -EINVAL,
            RegIdError::Busy => -EBUSY,
        }
    }
}

/// Type 1, `struct kvm_riscv_config`; discriminants are the indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ConfigReg {
    /// Single-letter extensions enabled, as a bitmap over `a`..`z`.
    Isa = 0,
    /// Zicbom cache-block size; only with Zicbom on the vCPU.
    ZicbomBlockSize = 1,
    /// `mvendorid` the guest sees.
    Mvendorid = 2,
    /// `marchid` the guest sees.
    Marchid = 3,
    /// `mimpid` the guest sees.
    Mimpid = 4,
    /// Zicboz cache-block size; only with Zicboz on the vCPU.
    ZicbozBlockSize = 5,
    /// The host's `satp` mode (read-only in effect).
    SatpMode = 6,
}

impl ConfigReg {
    const fn from_index(n: u64) -> Option<Self> {
        Some(match n {
            0 => Self::Isa,
            1 => Self::ZicbomBlockSize,
            2 => Self::Mvendorid,
            3 => Self::Marchid,
            4 => Self::Mimpid,
            5 => Self::ZicbozBlockSize,
            6 => Self::SatpMode,
            _ => return None,
        })
    }
}

/// Type 2, `struct kvm_riscv_core`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreReg {
    /// The guest pc (index 0, where `x0` would be).
    Pc,
    /// `x1..=x31`, at their own index.
    X(Gpr),
    /// Privilege mode (`KVM_RISCV_MODE_S`/`_U`), index 32.
    Mode,
}

impl CoreReg {
    const fn from_index(n: u64) -> Option<Self> {
        match n {
            0 => Some(Self::Pc),
            32 => Some(Self::Mode),
            _ => match Gpr::new(n) {
                Some(x) => Some(Self::X(x)),
                None => None,
            },
        }
    }

    /// Index in `struct kvm_riscv_core`.
    pub const fn index(self) -> u64 {
        match self {
            Self::Pc => 0,
            Self::X(x) => x.get() as u64,
            Self::Mode => 32,
        }
    }
}

/// CSR subtype GENERAL, `struct kvm_riscv_csr`; discriminants are the
/// indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum GeneralCsr {
    /// `vsstatus`.
    Sstatus = 0,
    /// `vsie`.
    Sie = 1,
    /// `vstvec`.
    Stvec = 2,
    /// `vsscratch`.
    Sscratch = 3,
    /// `vsepc`.
    Sepc = 4,
    /// `vscause`.
    Scause = 5,
    /// `vstval`.
    Stval = 6,
    /// `vsip`, as the VS-level bits of `hvip`.
    Sip = 7,
    /// `vsatp`.
    Satp = 8,
    /// `scounteren` as the guest sees it.
    Scounteren = 9,
    /// `senvcfg` as the guest sees it.
    Senvcfg = 10,
}

impl GeneralCsr {
    const fn from_index(n: u64) -> Option<Self> {
        Some(match n {
            0 => Self::Sstatus,
            1 => Self::Sie,
            2 => Self::Stvec,
            3 => Self::Sscratch,
            4 => Self::Sepc,
            5 => Self::Scause,
            6 => Self::Stval,
            7 => Self::Sip,
            8 => Self::Satp,
            9 => Self::Scounteren,
            10 => Self::Senvcfg,
            _ => return None,
        })
    }
}

/// CSR subtype AIA, `struct kvm_riscv_aia_csr`; discriminants are the
/// indices. The `*h` halves only matter to RV32 guests but RV64 still
/// lists and accepts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum AiaCsr {
    /// `vsiselect`.
    Siselect = 0,
    /// `iprio0..=iprio7` as one word.
    Iprio1 = 1,
    /// `iprio8..=iprio15` as one word.
    Iprio2 = 2,
    /// `vsieh` (RV32 guests).
    Sieh = 3,
    /// `vsiph` (RV32 guests).
    Siph = 4,
    /// `iprio1h` (RV32 guests).
    Iprio1h = 5,
    /// `iprio2h` (RV32 guests).
    Iprio2h = 6,
}

impl AiaCsr {
    const fn from_index(n: u64) -> Option<Self> {
        Some(match n {
            0 => Self::Siselect,
            1 => Self::Iprio1,
            2 => Self::Iprio2,
            3 => Self::Sieh,
            4 => Self::Siph,
            5 => Self::Iprio1h,
            6 => Self::Iprio2h,
            _ => return None,
        })
    }
}

/// CSR subtype SMSTATEEN, `struct kvm_riscv_smstateen_csr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum SmstateenCsr {
    /// `sstateen0`, index 0.
    Sstateen0 = 0,
}

/// Type 3: a guest supervisor CSR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsrReg {
    /// Subtype GENERAL.
    General(GeneralCsr),
    /// Subtype AIA. Accepted whether or not the vCPU has Ssaia (reads 0
    /// without AIA), but listed only with Ssaia.
    Aia(AiaCsr),
    /// Subtype SMSTATEEN. Accepted when the host has Smstateen, listed
    /// when the vCPU has it.
    Smstateen(SmstateenCsr),
}

/// Type 4, `struct kvm_riscv_timer`; discriminants are the indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum TimerReg {
    /// Timebase frequency (Hz).
    Frequency = 0,
    /// The guest's `time`.
    Time = 1,
    /// The next timer deadline.
    Compare = 2,
    /// `KVM_RISCV_TIMER_STATE_*`.
    State = 3,
}

impl TimerReg {
    const fn from_index(n: u64) -> Option<Self> {
        Some(match n {
            0 => Self::Frequency,
            1 => Self::Time,
            2 => Self::Compare,
            3 => Self::State,
            _ => return None,
        })
    }
}

/// Types 5 and 6: a register of `struct __riscv_{f,d}_ext_state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpReg {
    /// `f0..=f31`: 4 bytes under FP_F, 8 under FP_D.
    F(FReg),
    /// `fcsr`, index 32: 4 bytes under both types.
    Fcsr,
}

impl FpReg {
    const fn from_index(n: u64) -> Option<Self> {
        if n == FP_FCSR {
            return Some(Self::Fcsr);
        }
        match FReg::new(n) {
            Some(f) => Some(Self::F(f)),
            None => None,
        }
    }

    /// Index in the ptrace layout.
    pub const fn index(self) -> u64 {
        match self {
            Self::F(f) => f.get() as u64,
            Self::Fcsr => FP_FCSR,
        }
    }
}

/// Type 9: vector state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VectorReg {
    /// `vstart`, index 0.
    Vstart,
    /// `vl`, index 1.
    Vl,
    /// `vtype`, index 2.
    Vtype,
    /// `vcsr`, index 3.
    Vcsr,
    /// `vlenb`, index 4 (writes must keep the vCPU's value).
    Vlenb,
    /// `v0..=v31`, at `6 + n`. The size is the vCPU's `vlenb`, so it is
    /// part of the register rather than a constant of the class.
    V {
        /// Which vector register.
        reg: VReg,
        /// Log2 of its size in bytes.
        size_log2: SizeLog2,
    },
}

impl VectorReg {
    /// Index in the vector register space.
    pub const fn index(self) -> u64 {
        match self {
            Self::Vstart => 0,
            Self::Vl => 1,
            Self::Vtype => 2,
            Self::Vcsr => 3,
            Self::Vlenb => 4,
            Self::V { reg, .. } => VECTOR_CSR_SLOTS + reg.get() as u64,
        }
    }
}

/// Type 7: an ISA extension switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsaExtReg {
    /// One extension, 0 or 1; exists if the host has the extension.
    Single(IsaExtId),
    /// Bitmap word; set bits enable (reads as the enabled set).
    MultiEn(IsaWord),
    /// Bitmap word; set bits disable (reads as the complement).
    MultiDis(IsaWord),
}

/// Type 8: an SBI extension switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbiExtReg {
    /// One extension, 0 or 1; exists unless the extension is unavailable.
    Single(SbiExtId),
    /// Bitmap word; set bits enable (reads as the enabled set).
    MultiEn(SbiWord),
    /// Bitmap word; set bits disable (reads as the complement).
    MultiDis(SbiWord),
}

/// Type 10, subtype STA: `struct kvm_riscv_sbi_sta`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum StaReg {
    /// Low half of the shared memory address (the whole address on RV64).
    ShmemLo = 0,
    /// High half; always 0 on RV64.
    ShmemHi = 1,
}

/// Type 10: state owned by an SBI extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbiStateReg {
    /// Steal-time accounting. Accepted whatever the STA extension's
    /// status, listed only while it is enabled.
    Sta(StaReg),
}

/// A register `KVM_{GET,SET}_ONE_REG` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegId {
    /// Type 1.
    Config(ConfigReg),
    /// Type 2.
    Core(CoreReg),
    /// Type 3.
    Csr(CsrReg),
    /// Type 4.
    Timer(TimerReg),
    /// Type 5.
    FpF(FpReg),
    /// Type 6.
    FpD(FpReg),
    /// Type 9.
    Vector(VectorReg),
    /// Type 7.
    IsaExt(IsaExtReg),
    /// Type 8.
    SbiExt(SbiExtReg),
    /// Type 10.
    SbiState(SbiStateReg),
}

impl RegId {
    /// The same register with every index in it passed through `clamp`,
    /// see [`Index::clamped`].
    pub fn clamped(self, clamp: impl Fn(usize, usize) -> usize + Copy) -> Self {
        match self {
            Self::Core(CoreReg::X(x)) => Self::Core(CoreReg::X(x.clamped(clamp))),
            Self::FpF(FpReg::F(f)) => Self::FpF(FpReg::F(f.clamped(clamp))),
            Self::FpD(FpReg::F(f)) => Self::FpD(FpReg::F(f.clamped(clamp))),
            Self::Vector(VectorReg::V { reg, size_log2 }) => Self::Vector(VectorReg::V {
                reg: reg.clamped(clamp),
                size_log2: size_log2.clamped(clamp),
            }),
            Self::IsaExt(r) => Self::IsaExt(match r {
                IsaExtReg::Single(e) => IsaExtReg::Single(e.clamped(clamp)),
                IsaExtReg::MultiEn(w) => IsaExtReg::MultiEn(w.clamped(clamp)),
                IsaExtReg::MultiDis(w) => IsaExtReg::MultiDis(w.clamped(clamp)),
            }),
            Self::SbiExt(r) => Self::SbiExt(match r {
                SbiExtReg::Single(e) => SbiExtReg::Single(e.clamped(clamp)),
                SbiExtReg::MultiEn(w) => SbiExtReg::MultiEn(w.clamped(clamp)),
                SbiExtReg::MultiDis(w) => SbiExtReg::MultiDis(w.clamped(clamp)),
            }),
            // The other registers are named, not indexed: their
            // discriminants never address memory.
            other => other,
        }
    }

    /// Log2 of the size in bytes the register's id carries.
    pub const fn size_log2(self) -> u32 {
        match self {
            // struct __riscv_f_ext_state is all __u32.
            RegId::FpF(_) => 2,
            // __u64 f[32] but __u32 fcsr.
            RegId::FpD(FpReg::F(_)) => 3,
            RegId::FpD(FpReg::Fcsr) => 2,
            RegId::Vector(VectorReg::V { size_log2, .. }) => size_log2.get(),
            // Timer registers are __u64, everything else unsigned long;
            // both are 8 bytes on RV64.
            _ => 3,
        }
    }

    /// Size in bytes the register's id carries (`KVM_REG_SIZE`).
    pub const fn size(self) -> u32 {
        1 << self.size_log2()
    }

    /// The type and subtype fields.
    const fn class(self) -> u64 {
        match self {
            RegId::Config(_) => KVM_REG_RISCV_CONFIG,
            RegId::Core(_) => KVM_REG_RISCV_CORE,
            RegId::Csr(CsrReg::General(_)) => KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_GENERAL,
            RegId::Csr(CsrReg::Aia(_)) => KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_AIA,
            RegId::Csr(CsrReg::Smstateen(_)) => KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_SMSTATEEN,
            RegId::Timer(_) => KVM_REG_RISCV_TIMER,
            RegId::FpF(_) => KVM_REG_RISCV_FP_F,
            RegId::FpD(_) => KVM_REG_RISCV_FP_D,
            RegId::Vector(_) => KVM_REG_RISCV_VECTOR,
            RegId::IsaExt(IsaExtReg::Single(_)) => KVM_REG_RISCV_ISA_EXT | KVM_REG_RISCV_ISA_SINGLE,
            RegId::IsaExt(IsaExtReg::MultiEn(_)) => {
                KVM_REG_RISCV_ISA_EXT | KVM_REG_RISCV_ISA_MULTI_EN
            }
            RegId::IsaExt(IsaExtReg::MultiDis(_)) => {
                KVM_REG_RISCV_ISA_EXT | KVM_REG_RISCV_ISA_MULTI_DIS
            }
            RegId::SbiExt(SbiExtReg::Single(_)) => KVM_REG_RISCV_SBI_EXT | KVM_REG_RISCV_SBI_SINGLE,
            RegId::SbiExt(SbiExtReg::MultiEn(_)) => {
                KVM_REG_RISCV_SBI_EXT | KVM_REG_RISCV_SBI_MULTI_EN
            }
            RegId::SbiExt(SbiExtReg::MultiDis(_)) => {
                KVM_REG_RISCV_SBI_EXT | KVM_REG_RISCV_SBI_MULTI_DIS
            }
            RegId::SbiState(SbiStateReg::Sta(_)) => KVM_REG_RISCV_SBI_STATE | KVM_REG_RISCV_SBI_STA,
        }
    }

    /// The index field.
    const fn index(self) -> u64 {
        match self {
            RegId::Config(r) => r as u64,
            RegId::Core(r) => r.index(),
            RegId::Csr(CsrReg::General(r)) => r as u64,
            RegId::Csr(CsrReg::Aia(r)) => r as u64,
            RegId::Csr(CsrReg::Smstateen(r)) => r as u64,
            RegId::Timer(r) => r as u64,
            RegId::FpF(r) | RegId::FpD(r) => r.index(),
            RegId::Vector(r) => r.index(),
            RegId::IsaExt(IsaExtReg::Single(e)) => e.get() as u64,
            RegId::IsaExt(IsaExtReg::MultiEn(w) | IsaExtReg::MultiDis(w)) => w.get() as u64,
            RegId::SbiExt(SbiExtReg::Single(e)) => e.get() as u64,
            RegId::SbiExt(SbiExtReg::MultiEn(w) | SbiExtReg::MultiDis(w)) => w.get() as u64,
            RegId::SbiState(SbiStateReg::Sta(r)) => r as u64,
        }
    }
}

/// The canonical id of `reg`: RISC-V arch, its size, type, subtype and
/// index. `encode(parse(id)?)` is `id` with its arch field set to
/// [`KVM_REG_RISCV`] (upstream ignores that field).
pub const fn encode(reg: RegId) -> u64 {
    KVM_REG_RISCV | size_field(reg.size_log2()) | reg.class() | reg.index()
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

/// Decodes `id` without a vCPU: applies, in upstream order, every check
/// that depends on the id alone. An id fails here exactly when it fails on
/// every vCPU; on a vCPU with every optional register (F, D, V, Zicbom,
/// Zicboz, host Smstateen, the extension in question available) the error
/// is the one upstream returns. The size of a vector data register is not
/// checked: it must equal the vCPU's `vlenb` (see [`lookup`]).
pub const fn parse(id: u64) -> Result<RegId, RegIdError> {
    let size = reg_size(id);
    let num = id & NUM_MASK;
    let sub = num & KVM_REG_RISCV_SUBTYPE_MASK;
    let idx = num & !KVM_REG_RISCV_SUBTYPE_MASK;
    match id & KVM_REG_RISCV_TYPE_MASK {
        KVM_REG_RISCV_CONFIG => {
            // vcpu_onereg.c:213/262, then the switch at 216/268 (ENOENT at
            // 243/350). Subtype bits stay in num, so any subtype is unknown.
            if size != ULONG_SIZE {
                return Err(RegIdError::BadSize);
            }
            match ConfigReg::from_index(num) {
                Some(r) => Ok(RegId::Config(r)),
                None => Err(RegIdError::NotFound),
            }
        }
        KVM_REG_RISCV_CORE => {
            // vcpu_onereg.c:367-370 (get), 400-403 (set).
            if size != ULONG_SIZE {
                return Err(RegIdError::BadSize);
            }
            match CoreReg::from_index(num) {
                Some(r) => Ok(RegId::Core(r)),
                None => Err(RegIdError::NotFound),
            }
        }
        KVM_REG_RISCV_CSR => {
            // vcpu_onereg.c:508 (get), 550 (set), then the subtype switch.
            if size != ULONG_SIZE {
                return Err(RegIdError::BadSize);
            }
            match sub {
                // vcpu_onereg.c:430-431 (get), 450-451 (set).
                KVM_REG_RISCV_CSR_GENERAL => match GeneralCsr::from_index(idx) {
                    Some(r) => Ok(RegId::Csr(CsrReg::General(r))),
                    None => Err(RegIdError::NotFound),
                },
                // aia.c:191-192 (get), 210-211 (set).
                KVM_REG_RISCV_CSR_AIA => match AiaCsr::from_index(idx) {
                    Some(r) => Ok(RegId::Csr(CsrReg::Aia(r))),
                    None => Err(RegIdError::NotFound),
                },
                // vcpu_onereg.c:489-491 (get), 475-477 (set): EINVAL, not
                // ENOENT, for an index past the structure.
                KVM_REG_RISCV_CSR_SMSTATEEN => {
                    if idx == SmstateenCsr::Sstateen0 as u64 {
                        Ok(RegId::Csr(CsrReg::Smstateen(SmstateenCsr::Sstateen0)))
                    } else {
                        Err(RegIdError::Invalid)
                    }
                }
                // vcpu_onereg.c:527 (get), 572 (set).
                _ => Err(RegIdError::NotFound),
            }
        }
        KVM_REG_RISCV_TIMER => {
            // vcpu_timer.c:173-176 (get), 214-217 (set).
            if size != 8 {
                return Err(RegIdError::BadSize);
            }
            match TimerReg::from_index(num) {
                Some(r) => Ok(RegId::Timer(r)),
                None => Err(RegIdError::NotFound),
            }
        }
        KVM_REG_RISCV_FP_F => {
            // vcpu_fp.c:91-99 (get), 136-144 (set): size before index.
            if size != 4 {
                return Err(RegIdError::BadSize);
            }
            match FpReg::from_index(num) {
                Some(r) => Ok(RegId::FpF(r)),
                None => Err(RegIdError::NotFound),
            }
        }
        KVM_REG_RISCV_FP_D => {
            // vcpu_fp.c:102-112 (get), 147-157 (set): index before size,
            // because the size depends on the register.
            let reg = match FpReg::from_index(num) {
                Some(r) => r,
                None => return Err(RegIdError::NotFound),
            };
            if size != RegId::FpD(reg).size() {
                return Err(RegIdError::BadSize);
            }
            Ok(RegId::FpD(reg))
        }
        KVM_REG_RISCV_VECTOR => parse_vector(id, num),
        KVM_REG_RISCV_ISA_EXT => {
            // vcpu_onereg.c:694 (get), 733 (set), then the subtype switch.
            if size != ULONG_SIZE {
                return Err(RegIdError::BadSize);
            }
            let reg = match sub {
                // vcpu_onereg.c:587-589 (get), 608-610 (set).
                KVM_REG_RISCV_ISA_SINGLE => match IsaExtId::new(idx) {
                    Some(e) => IsaExtReg::Single(e),
                    None => return Err(RegIdError::NotFound),
                },
                // vcpu_onereg.c:646 (get), 669 (set).
                KVM_REG_RISCV_ISA_MULTI_EN => match IsaWord::new(idx) {
                    Some(w) => IsaExtReg::MultiEn(w),
                    None => return Err(RegIdError::NotFound),
                },
                KVM_REG_RISCV_ISA_MULTI_DIS => match IsaWord::new(idx) {
                    Some(w) => IsaExtReg::MultiDis(w),
                    None => return Err(RegIdError::NotFound),
                },
                // vcpu_onereg.c:712 (get), 750 (set).
                _ => return Err(RegIdError::NotFound),
            };
            Ok(RegId::IsaExt(reg))
        }
        KVM_REG_RISCV_SBI_EXT => {
            // vcpu_sbi.c:302 (get), 265 (set), then the subtype switch.
            if size != ULONG_SIZE {
                return Err(RegIdError::BadSize);
            }
            let reg = match sub {
                // vcpu_sbi.c:92 via 202-204 (get), 184-186 (set).
                KVM_REG_RISCV_SBI_SINGLE => match SbiExtId::new(idx) {
                    Some(e) => SbiExtReg::Single(e),
                    None => return Err(RegIdError::NotFound),
                },
                // vcpu_sbi.c:238 (get), 218 (set).
                KVM_REG_RISCV_SBI_MULTI_EN => match SbiWord::new(idx) {
                    Some(w) => SbiExtReg::MultiEn(w),
                    None => return Err(RegIdError::NotFound),
                },
                KVM_REG_RISCV_SBI_MULTI_DIS => match SbiWord::new(idx) {
                    Some(w) => SbiExtReg::MultiDis(w),
                    None => return Err(RegIdError::NotFound),
                },
                // vcpu_sbi.c:320 (get), 285 (set).
                _ => return Err(RegIdError::NotFound),
            };
            Ok(RegId::SbiExt(reg))
        }
        KVM_REG_RISCV_SBI_STATE => {
            // vcpu_sbi.c:371 (get), 341 (set).
            if size != ULONG_SIZE {
                return Err(RegIdError::BadSize);
            }
            // vcpu_sbi.c:382 (get), 354 (set): unknown subtype is EINVAL.
            if sub != KVM_REG_RISCV_SBI_STA {
                return Err(RegIdError::Invalid);
            }
            // vcpu_sbi_sta.c:176 (get), 208 (set): so is an unknown index.
            match idx {
                0 => Ok(RegId::SbiState(SbiStateReg::Sta(StaReg::ShmemLo))),
                1 => Ok(RegId::SbiState(SbiStateReg::Sta(StaReg::ShmemHi))),
                _ => Err(RegIdError::Invalid),
            }
        }
        // vcpu_onereg.c:1241 (set), 1274 (get).
        _ => Err(RegIdError::NotFound),
    }
}

/// Vector ids: `kvm_riscv_vcpu_vreg_addr()`, vcpu_vector.c:106-136.
const fn parse_vector(id: u64, num: u64) -> Result<RegId, RegIdError> {
    if num < VECTOR_CSR_SLOTS {
        if reg_size(id) != ULONG_SIZE {
            return Err(RegIdError::BadSize);
        }
        let reg = match num {
            0 => VectorReg::Vstart,
            1 => VectorReg::Vl,
            2 => VectorReg::Vtype,
            3 => VectorReg::Vcsr,
            4 => VectorReg::Vlenb,
            // datap (vcpu_vector.c:125-127): a slot with no register.
            _ => return Err(RegIdError::NotFound),
        };
        return Ok(RegId::Vector(reg));
    }
    let reg = match VReg::new(num - VECTOR_CSR_SLOTS) {
        Some(r) => r,
        None => return Err(RegIdError::NotFound),
    };
    // The size field is 4 bits, so this always fits; the vCPU's vlenb
    // decides whether it is right (vcpu_vector.c:130-131).
    let size_log2: SizeLog2 = Index(((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT) as u8);
    Ok(RegId::Vector(VectorReg::V { reg, size_log2 }))
}

// ---------------------------------------------------------------------------
// The vCPU a register id is looked up on
// ---------------------------------------------------------------------------

/// Status of an SBI extension on a vCPU (`enum kvm_riscv_sbi_ext_status`,
/// after `kvm_riscv_vcpu_sbi_init()` has left UNINITIALIZED behind).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SbiExtStatus {
    /// The host cannot offer it: no register for it.
    #[default]
    Unavailable,
    /// Offered and on.
    Enabled,
    /// Offered and switched off by userspace.
    Disabled,
}

/// The status of every KVM SBI extension on a vCPU, by KVM SBI id
/// (`vcpu->arch.sbi_context.ext_status`).
///
/// Aligned and padded to whole words: every SBI call copies it into
/// [`SbiEnv`](super::sbi::SbiEnv), and eleven one-byte entries at byte
/// alignment were a `memcpy()` call of 65 instructions where two loads do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, align(8))]
pub struct SbiExtStatuses(pub [SbiExtStatus; KVM_RISCV_SBI_EXT_MAX as usize]);

impl SbiExtStatuses {
    /// Every extension with status `s`.
    pub const fn all(s: SbiExtStatus) -> Self {
        SbiExtStatuses([s; KVM_RISCV_SBI_EXT_MAX as usize])
    }
}

impl From<[SbiExtStatus; KVM_RISCV_SBI_EXT_MAX as usize]> for SbiExtStatuses {
    fn from(a: [SbiExtStatus; KVM_RISCV_SBI_EXT_MAX as usize]) -> Self {
        SbiExtStatuses(a)
    }
}

impl core::ops::Deref for SbiExtStatuses {
    type Target = [SbiExtStatus; KVM_RISCV_SBI_EXT_MAX as usize];
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl core::ops::DerefMut for SbiExtStatuses {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

/// What decides which register ids a vCPU has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VcpuDesc {
    /// ISA extensions the host has, bit `n` for KVM ISA id `n`
    /// (`__riscv_isa_extension_available(NULL, ..)` through
    /// `kvm_isa_ext_arr`).
    pub host_isa: u64,
    /// ISA extensions enabled on the vCPU, same bits (`vcpu->arch.isa`).
    pub isa: u64,
    /// SBI extension status, by KVM SBI id.
    pub sbi: SbiExtStatuses,
    /// Bytes per vector register (`riscv_v_vsize / 32`, a power of two);
    /// consulted only when the vCPU has V.
    pub vlenb: u64,
}

impl VcpuDesc {
    /// Whether the host has ISA extension `ext`.
    pub const fn host_has(&self, ext: IsaExtId) -> bool {
        self.host_isa & (1 << ext.get()) != 0
    }

    /// Whether ISA extension `ext` is enabled on the vCPU.
    pub const fn has(&self, ext: IsaExtId) -> bool {
        self.isa & (1 << ext.get()) != 0
    }

    /// Status of SBI extension `ext`.
    pub const fn sbi_status(&self, ext: SbiExtId) -> SbiExtStatus {
        self.sbi.0[ext.get() as usize]
    }

    /// Whether `KVM_GET_REG_LIST` reports `reg` on this vCPU. Some
    /// registers are accepted without being listed (MULTI words, AIA CSRs
    /// without Ssaia, Smstateen CSRs with host but not vCPU Smstateen,
    /// STA state while STA is not enabled).
    pub const fn lists(&self, reg: RegId) -> bool {
        match reg {
            // vcpu_onereg.c:770-775
            RegId::Config(ConfigReg::ZicbomBlockSize) => self.has(IsaExtId::ZICBOM),
            RegId::Config(ConfigReg::ZicbozBlockSize) => self.has(IsaExtId::ZICBOZ),
            RegId::Config(_) | RegId::Core(_) | RegId::Timer(_) => true,
            // vcpu_onereg.c:839-887
            RegId::Csr(CsrReg::General(_)) => true,
            RegId::Csr(CsrReg::Aia(_)) => self.has(IsaExtId::SSAIA),
            RegId::Csr(CsrReg::Smstateen(_)) => self.has(IsaExtId::SMSTATEEN),
            // vcpu_onereg.c:919, 948, 1080
            RegId::FpF(_) => self.has(IsaExtId::F),
            RegId::FpD(_) => self.has(IsaExtId::D),
            RegId::Vector(_) => self.has(IsaExtId::V),
            // vcpu_onereg.c:995-997
            RegId::IsaExt(IsaExtReg::Single(e)) => self.host_has(e),
            // vcpu_onereg.c:1026 via vcpu_sbi.c:112
            RegId::SbiExt(SbiExtReg::Single(e)) => {
                !matches!(self.sbi_status(e), SbiExtStatus::Unavailable)
            }
            RegId::IsaExt(_) | RegId::SbiExt(_) => false,
            // vcpu_onereg.c:1051
            RegId::SbiState(SbiStateReg::Sta(_)) => {
                matches!(self.sbi_status(SbiExtId::STA), SbiExtStatus::Enabled)
            }
        }
    }

    /// Log2 of `vlenb`, for the size field of the vector data registers.
    /// Upstream takes `__builtin_ctzl(vlenb)`; a vlenb beyond the 4-bit
    /// field (no such hardware) is truncated instead of corrupting the id.
    const fn vlenb_log2(&self) -> SizeLog2 {
        Index((self.vlenb.trailing_zeros() & 0xf) as u8)
    }
}

/// The verdict of `KVM_GET_ONE_REG` on `id` for `vcpu`: the register, or
/// the error upstream returns (see the table in the module documentation).
pub const fn lookup(id: u64, vcpu: &VcpuDesc) -> Result<RegId, RegIdError> {
    // FP and vector registers check the extension before anything else
    // (vcpu_fp.c:89-90/100-101/113-114, vcpu_vector.c:154-155/180-181).
    let gate = match id & KVM_REG_RISCV_TYPE_MASK {
        KVM_REG_RISCV_FP_F => Some(IsaExtId::F),
        KVM_REG_RISCV_FP_D => Some(IsaExtId::D),
        KVM_REG_RISCV_VECTOR => Some(IsaExtId::V),
        _ => None,
    };
    if let Some(ext) = gate {
        if !vcpu.has(ext) {
            return Err(RegIdError::NotFound);
        }
    }
    let reg = match parse(id) {
        Ok(r) => r,
        Err(e) => return Err(e),
    };
    // The remaining vCPU checks come after everything parse() checks.
    let ok = match reg {
        // vcpu_onereg.c:221-222/226-227 (get), 310-311/316-317 (set).
        RegId::Config(ConfigReg::ZicbomBlockSize) => vcpu.has(IsaExtId::ZICBOM),
        RegId::Config(ConfigReg::ZicbozBlockSize) => vcpu.has(IsaExtId::ZICBOZ),
        // vcpu_onereg.c:521-522 (get), 566-567 (set): the host's
        // Smstateen, not the vCPU's, and EINVAL.
        RegId::Csr(CsrReg::Smstateen(_)) => {
            if !vcpu.host_has(IsaExtId::SMSTATEEN) {
                return Err(RegIdError::Invalid);
            }
            true
        }
        // vcpu_vector.c:130-131.
        RegId::Vector(VectorReg::V { size_log2, .. }) => {
            if (1u64 << size_log2.get()) != vcpu.vlenb {
                return Err(RegIdError::BadSize);
            }
            true
        }
        // vcpu_onereg.c:591-593 (get), 612-614 (set).
        RegId::IsaExt(IsaExtReg::Single(e)) => vcpu.host_has(e),
        // vcpu_sbi.c:202-204 (get), 184-186 (set).
        RegId::SbiExt(SbiExtReg::Single(e)) => {
            !matches!(vcpu.sbi_status(e), SbiExtStatus::Unavailable)
        }
        _ => true,
    };
    if ok {
        Ok(reg)
    } else {
        Err(RegIdError::NotFound)
    }
}

/// What `KVM_SET_ONE_REG` rejects before it copies the value from
/// userspace. The caller copies the value (`EFAULT` on a bad buffer) only
/// after this passed, then calls [`lookup_set`]: where upstream copies
/// early (CONFIG, CSR, ISA_EXT, SBI_EXT, SBI_STATE) an unknown register
/// with a faulting buffer is `EFAULT`; where it copies late (CORE, TIMER,
/// FP, VECTOR) it is the register error.
pub const fn set_precheck(
    id: u64,
    vcpu: &VcpuDesc,
    ran_at_least_once: bool,
) -> Result<(), RegIdError> {
    let size_ok = reg_size(id) == ULONG_SIZE;
    match id & KVM_REG_RISCV_TYPE_MASK {
        // Copy right after the size check: vcpu_onereg.c:262-265,
        // 550-553, 733-739; vcpu_sbi.c:341-344.
        KVM_REG_RISCV_CONFIG
        | KVM_REG_RISCV_CSR
        | KVM_REG_RISCV_ISA_EXT
        | KVM_REG_RISCV_SBI_STATE => {
            if size_ok {
                Ok(())
            } else {
                Err(RegIdError::BadSize)
            }
        }
        // vcpu_sbi.c:265-274: size, then EBUSY, then the copy.
        KVM_REG_RISCV_SBI_EXT => {
            if !size_ok {
                Err(RegIdError::BadSize)
            } else if ran_at_least_once {
                Err(RegIdError::Busy)
            } else {
                Ok(())
            }
        }
        // Copy after every id check: vcpu_onereg.c:400-405,
        // vcpu_timer.c:214-219, vcpu_fp.c:134-161, vcpu_vector.c:180-201.
        // An unknown type is rejected without a copy (vcpu_onereg.c:1241).
        _ => match lookup(id, vcpu) {
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        },
    }
}

/// The verdict of `KVM_SET_ONE_REG` on `id` once `value` (the first
/// `unsigned long` of what userspace wrote) is in, after [`set_precheck`]
/// passed. The same as [`lookup`] except that SBI extension single
/// registers check the value first (vcpu_sbi.c:181-182). Checks on the
/// value that come after the id checks are the caller's (see the module
/// documentation).
pub const fn lookup_set(id: u64, value: u64, vcpu: &VcpuDesc) -> Result<RegId, RegIdError> {
    if id & KVM_REG_RISCV_TYPE_MASK == KVM_REG_RISCV_SBI_EXT
        && reg_size(id) == ULONG_SIZE
        && id & KVM_REG_RISCV_SUBTYPE_MASK == KVM_REG_RISCV_SBI_SINGLE
        && value > 1
    {
        return Err(RegIdError::BadValue);
    }
    lookup(id, vcpu)
}

// ---------------------------------------------------------------------------
// KVM_GET_REG_LIST
// ---------------------------------------------------------------------------

/// Candidate registers, in the order `kvm_riscv_vcpu_copy_reg_indices()`
/// emits them (vcpu_onereg.c:1153-1209): config, core, CSRs (general, AIA,
/// Smstateen), timer, FP_F, FP_D, vector, ISA_EXT, SBI_EXT, SBI state.
const LIST_SLOTS: u64 = CONFIG_REGS
    + CORE_REGS
    + CSR_GENERAL_REGS
    + CSR_AIA_REGS
    + CSR_SMSTATEEN_REGS
    + TIMER_REGS
    + FP_REGS
    + FP_REGS
    + VECTOR_REGS
    + KVM_RISCV_ISA_EXT_MAX as u64
    + KVM_RISCV_SBI_EXT_MAX as u64
    + SBI_STA_REGS;

/// The register in list slot `n`; whether the vCPU lists it is
/// [`VcpuDesc::lists`]. Within a class the order is the index order.
const fn slot_reg(n: u64, vlenb_log2: SizeLog2) -> Option<RegId> {
    let mut n = n;
    if n < CONFIG_REGS {
        return match ConfigReg::from_index(n) {
            Some(r) => Some(RegId::Config(r)),
            None => None,
        };
    }
    n -= CONFIG_REGS;
    if n < CORE_REGS {
        return match CoreReg::from_index(n) {
            Some(r) => Some(RegId::Core(r)),
            None => None,
        };
    }
    n -= CORE_REGS;
    if n < CSR_GENERAL_REGS {
        return match GeneralCsr::from_index(n) {
            Some(r) => Some(RegId::Csr(CsrReg::General(r))),
            None => None,
        };
    }
    n -= CSR_GENERAL_REGS;
    if n < CSR_AIA_REGS {
        return match AiaCsr::from_index(n) {
            Some(r) => Some(RegId::Csr(CsrReg::Aia(r))),
            None => None,
        };
    }
    n -= CSR_AIA_REGS;
    if n < CSR_SMSTATEEN_REGS {
        return Some(RegId::Csr(CsrReg::Smstateen(SmstateenCsr::Sstateen0)));
    }
    n -= CSR_SMSTATEEN_REGS;
    if n < TIMER_REGS {
        return match TimerReg::from_index(n) {
            Some(r) => Some(RegId::Timer(r)),
            None => None,
        };
    }
    n -= TIMER_REGS;
    if n < FP_REGS {
        return match FpReg::from_index(n) {
            Some(r) => Some(RegId::FpF(r)),
            None => None,
        };
    }
    n -= FP_REGS;
    if n < FP_REGS {
        return match FpReg::from_index(n) {
            Some(r) => Some(RegId::FpD(r)),
            None => None,
        };
    }
    n -= FP_REGS;
    if n < VECTOR_REGS {
        // vcpu_onereg.c:1100-1122: the five CSRs (datap skipped), then
        // v0..v31 sized by vlenb.
        let reg = match n {
            0 => VectorReg::Vstart,
            1 => VectorReg::Vl,
            2 => VectorReg::Vtype,
            3 => VectorReg::Vcsr,
            4 => VectorReg::Vlenb,
            _ => match VReg::new(n - VECTOR_CSR_REGS) {
                Some(reg) => VectorReg::V {
                    reg,
                    size_log2: vlenb_log2,
                },
                None => return None,
            },
        };
        return Some(RegId::Vector(reg));
    }
    n -= VECTOR_REGS;
    if n < KVM_RISCV_ISA_EXT_MAX as u64 {
        return match IsaExtId::new(n) {
            Some(e) => Some(RegId::IsaExt(IsaExtReg::Single(e))),
            None => None,
        };
    }
    n -= KVM_RISCV_ISA_EXT_MAX as u64;
    if n < KVM_RISCV_SBI_EXT_MAX as u64 {
        return match SbiExtId::new(n) {
            Some(e) => Some(RegId::SbiExt(SbiExtReg::Single(e))),
            None => None,
        };
    }
    n -= KVM_RISCV_SBI_EXT_MAX as u64;
    match n {
        0 => Some(RegId::SbiState(SbiStateReg::Sta(StaReg::ShmemLo))),
        1 => Some(RegId::SbiState(SbiStateReg::Sta(StaReg::ShmemHi))),
        _ => None,
    }
}

/// The registers of `KVM_GET_REG_LIST`, in upstream order. See [`regs`].
#[derive(Clone, Debug)]
pub struct RegIter<'a> {
    vcpu: &'a VcpuDesc,
    slot: u64,
}

impl Iterator for RegIter<'_> {
    type Item = RegId;

    fn next(&mut self) -> Option<RegId> {
        let vlenb_log2 = self.vcpu.vlenb_log2();
        while self.slot < LIST_SLOTS {
            let reg = slot_reg(self.slot, vlenb_log2);
            self.slot += 1;
            if let Some(reg) = reg {
                if self.vcpu.lists(reg) {
                    return Some(reg);
                }
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, usize::try_from(LIST_SLOTS - self.slot).ok())
    }
}

impl FusedIterator for RegIter<'_> {}

/// The registers `KVM_GET_REG_LIST` reports for `vcpu`, in the order of
/// `kvm_riscv_vcpu_copy_reg_indices()`. Encode each with [`encode`], or
/// use [`reg_ids`].
pub const fn regs(vcpu: &VcpuDesc) -> RegIter<'_> {
    RegIter { vcpu, slot: 0 }
}

/// The ids `KVM_GET_REG_LIST` reports for `vcpu`, in upstream order.
pub fn reg_ids(vcpu: &VcpuDesc) -> impl Iterator<Item = u64> + '_ {
    regs(vcpu).map(encode)
}

/// How many ids `KVM_GET_REG_LIST` reports for `vcpu`
/// (`kvm_riscv_vcpu_num_regs()`, vcpu_onereg.c:1132-1148): the `n` it
/// answers and the bound it checks the caller's buffer against (`E2BIG`).
pub const fn reg_count(vcpu: &VcpuDesc) -> usize {
    const fn when(cond: bool, n: u64) -> u64 {
        if cond {
            n
        } else {
            0
        }
    }
    let isa_mask = (1u64 << KVM_RISCV_ISA_EXT_MAX) - 1;
    let mut sbi = 0;
    let mut i = 0;
    while i < vcpu.sbi.0.len() {
        if !matches!(vcpu.sbi.0[i], SbiExtStatus::Unavailable) {
            sbi += 1;
        }
        i += 1;
    }
    let n = (CONFIG_REGS - 2)
        + when(vcpu.has(IsaExtId::ZICBOM), 1)
        + when(vcpu.has(IsaExtId::ZICBOZ), 1)
        + CORE_REGS
        + CSR_GENERAL_REGS
        + when(vcpu.has(IsaExtId::SSAIA), CSR_AIA_REGS)
        + when(vcpu.has(IsaExtId::SMSTATEEN), CSR_SMSTATEEN_REGS)
        + TIMER_REGS
        + when(vcpu.has(IsaExtId::F), FP_REGS)
        + when(vcpu.has(IsaExtId::D), FP_REGS)
        + when(vcpu.has(IsaExtId::V), VECTOR_REGS)
        + (vcpu.host_isa & isa_mask).count_ones() as u64
        + sbi
        + when(
            matches!(vcpu.sbi_status(SbiExtId::STA), SbiExtStatus::Enabled),
            SBI_STA_REGS,
        );
    // At most LIST_SLOTS (241), which fits any usize.
    n as usize
}

#[cfg(test)]
#[path = "onereg_tests.rs"]
mod tests;
