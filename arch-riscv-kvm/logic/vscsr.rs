// SPDX-License-Identifier: GPL-2.0

//! VS-level CSR values that are legal by construction.
//!
//! The backend writes `vsstatus` and `vsatp` from values userspace chose
//! (`KVM_SET_ONE_REG`). The privileged spec makes both WARL, so on a
//! conforming hart any value is harmless. QEMU is not one (7.2 here, and
//! still 10.x): `write_vsstatus()` stores every bit written, and on each
//! entry to V=1 `riscv_cpu_swap_hypervisor_regs()` ORs the whole of
//! `vsstatus` into `mstatus`, where bits outside the swapped mask stay
//! after the guest exits. A `vsstatus` holding `mstatus.TVM` made the
//! host's next `sfence.vma` an illegal instruction (the Oops of issue 6),
//! TSR did the same to its `sret`, TW to its `wfi`, and MPRV left the
//! firmware's next trap faulting on its own stack in M-mode for good (the
//! stall and the silent hang). QEMU 7.2's `write_vsatp()` also stores any
//! MODE, and its page walker asserts on a reserved one.
//!
//! So the values only exist in legal form: [`Vsstatus`] holds only the
//! fields the spec defines for `vsstatus`, [`Vsatp`] only a MODE that
//! names a translation scheme, and nothing else reaches those CSRs.

/// `sstatus.SIE`.
pub const SIE: usize = 1 << 1;
/// `sstatus.SPIE`.
pub const SPIE: usize = 1 << 5;
/// `sstatus.UBE`.
pub const UBE: usize = 1 << 6;
/// `sstatus.SPP`.
pub const SPP: usize = 1 << 8;
/// `sstatus.VS`.
pub const VS: usize = 3 << 9;
/// `sstatus.FS`.
pub const FS: usize = 3 << 13;
/// `sstatus.SUM`.
pub const SUM: usize = 1 << 18;
/// `sstatus.MXR`.
pub const MXR: usize = 1 << 19;
/// `sstatus.UXL`.
pub const UXL: usize = 3 << 32;
/// `UXL` = 1: VU-mode is 32-bit.
pub const UXL_32: usize = 1 << 32;
/// `UXL` = 2: VU-mode is 64-bit.
pub const UXL_64: usize = 2 << 32;

/// A `vsstatus` value holding only fields the spec defines for it.
///
/// The read-only summaries (XS, SD) are left out: the hart computes them.
/// UXL keeps 32 or 64 bits, or 0 (a vCPU's reset value, as upstream's: a
/// WARL write the hart legalises, and QEMU ignores); 128 bits, which a
/// 64-bit hart does not have, becomes 64.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vsstatus(usize);

impl Vsstatus {
    /// The writable fields but UXL.
    const FIELDS: usize = SIE | SPIE | UBE | SPP | VS | FS | SUM | MXR;

    /// The legal part of `value`.
    pub const fn new(value: usize) -> Self {
        let uxl = match value & UXL {
            UXL => UXL_64,
            uxl => uxl,
        };
        // INVARIANT: only the defined fields, and a UXL other than 128.
        Self((value & Self::FIELDS) | uxl)
    }

    /// The register's bits.
    pub const fn bits(self) -> usize {
        self.0
    }

    /// This value with the fields in `mask` replaced by those of `value`.
    pub const fn with(self, mask: usize, value: usize) -> Self {
        Self::new((self.0 & !mask) | (value & mask))
    }
}

/// `satp.MODE`: where it is and what it can be.
const MODE_SHIFT: u32 = 60;
const MODE_BARE: usize = 0;
const MODE_SV39: usize = 8;
const MODE_SV48: usize = 9;
const MODE_SV57: usize = 10;

/// A `vsatp` value whose MODE is Bare, Sv39, Sv48 or Sv57.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vsatp(usize);

impl Vsatp {
    /// `value` if its MODE names a translation scheme of RV64.
    pub const fn new(value: usize) -> Option<Self> {
        match value >> MODE_SHIFT {
            // INVARIANT: a MODE the match just checked.
            MODE_BARE | MODE_SV39 | MODE_SV48 | MODE_SV57 => Some(Self(value)),
            _ => None,
        }
    }

    /// What a write of `value` leaves in the register that held `self`:
    /// as for `satp`, a write of a MODE the hart does not have is ignored.
    pub const fn written(self, value: usize) -> Self {
        match Self::new(value) {
            Some(v) => v,
            None => self,
        }
    }

    /// The register's bits.
    pub const fn bits(self) -> usize {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// mstatus bits QEMU would carry from vsstatus into the host's mstatus.
    const MSTATUS_MIE: usize = 1 << 3;
    const MSTATUS_MPIE: usize = 1 << 7;
    const MSTATUS_MPP: usize = 3 << 11;
    const MSTATUS_MPRV: usize = 1 << 17;
    const MSTATUS_TVM: usize = 1 << 20;
    const MSTATUS_TW: usize = 1 << 21;
    const MSTATUS_TSR: usize = 1 << 22;
    const MSTATUS_SXL: usize = 3 << 34;
    const MSTATUS_SBE_MBE: usize = 3 << 36;
    const MSTATUS_GVA_MPV: usize = 3 << 38;

    #[test]
    fn vsstatus_drops_what_is_not_a_vsstatus_field() {
        let machine = MSTATUS_MIE
            | MSTATUS_MPIE
            | MSTATUS_MPP
            | MSTATUS_MPRV
            | MSTATUS_TVM
            | MSTATUS_TW
            | MSTATUS_TSR
            | MSTATUS_SXL
            | MSTATUS_SBE_MBE
            | MSTATUS_GVA_MPV;
        assert_eq!(Vsstatus::new(machine).bits(), 0);
        assert_eq!(Vsstatus::new(usize::MAX).bits() & machine, 0);
        // XS (16:15) and SD (63) are the hart's to compute.
        assert_eq!(Vsstatus::new(3 << 15 | 1 << 63).bits(), 0);
    }

    #[test]
    fn vsstatus_keeps_every_field_it_has() {
        let all = SIE | SPIE | UBE | SPP | VS | FS | SUM | MXR;
        assert_eq!(Vsstatus::new(all | UXL_64).bits(), all | UXL_64);
        for bit in [
            SIE,
            SPIE,
            UBE,
            SPP,
            1 << 9,
            1 << 10,
            1 << 13,
            1 << 14,
            SUM,
            MXR,
        ] {
            assert_eq!(Vsstatus::new(bit | UXL_64).bits(), bit | UXL_64);
        }
        assert_eq!(Vsstatus::new(UXL_32 | SPP).bits(), UXL_32 | SPP);
    }

    #[test]
    fn vsstatus_uxl_128_becomes_64_bit() {
        assert_eq!(Vsstatus::new(UXL).bits(), UXL_64);
        assert_eq!(Vsstatus::new(0).bits(), 0);
        assert_eq!(Vsstatus::default(), Vsstatus::new(0));
    }

    #[test]
    fn vsstatus_with_replaces_only_the_mask() {
        let s = Vsstatus::new(SIE | SUM | UXL_64);
        assert_eq!(s.with(SIE | SPIE, SPIE).bits(), SPIE | SUM | UXL_64);
        // Nor can a replacement bring in what is not a field.
        assert_eq!(s.with(usize::MAX, MSTATUS_TVM).bits(), 0);
    }

    #[test]
    fn vsatp_takes_the_rv64_schemes() {
        for mode in [MODE_BARE, MODE_SV39, MODE_SV48, MODE_SV57] {
            let v = mode << MODE_SHIFT | 0x1234;
            assert_eq!(Vsatp::new(v).map(Vsatp::bits), Some(v));
        }
    }

    #[test]
    fn vsatp_write_of_a_reserved_mode_is_ignored() {
        let old = Vsatp::new(MODE_SV39 << MODE_SHIFT | 42).unwrap();
        for mode in (0..16).filter(|m| ![0, 8, 9, 10].contains(m)) {
            assert_eq!(Vsatp::new(mode << MODE_SHIFT), None);
            assert_eq!(old.written(mode << MODE_SHIFT | 7), old);
        }
        assert_eq!(old.written(0).bits(), 0);
    }
}
