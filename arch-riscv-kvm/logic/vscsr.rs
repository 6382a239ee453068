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
/// `sstatus.UBE`: not a field here (little-endian harts only, and QEMU
/// does not swap it with `mstatus.UBE`).
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
/// So is UBE: the backend runs guests little-endian only, where it is
/// read-only zero, and QEMU would carry it into the host's `mstatus`.
/// UXL keeps 32 or 64 bits, or 0 (a vCPU's reset value, as upstream's: a
/// WARL write the hart legalises, and QEMU ignores); 128 bits, which a
/// 64-bit hart does not have, becomes 64.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vsstatus(usize);

impl Vsstatus {
    /// The writable fields but UXL. SPELP (Zicfilp) and SDT (Ssdbltrp)
    /// belong here once those extensions are offered to guests: until
    /// then they are read-only zero, and trap redirection clears them.
    const FIELDS: usize = SIE | SPIE | SPP | VS | FS | SUM | MXR;

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
const MODE_SV57: usize = 10;

/// A `vsatp` value whose MODE is Bare or a scheme of RV64 (Sv39, Sv48,
/// Sv57) the host has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vsatp(usize);

impl Vsatp {
    /// `value` if its MODE is Bare or a scheme from Sv39 up to `widest`
    /// (the host's `satp` MODE, as `KVM_REG_RISCV_CONFIG_REG(satp_mode)`
    /// reports it).
    pub const fn new(value: usize, widest: u64) -> Option<Self> {
        let mode = value >> MODE_SHIFT;
        let widest = if widest > MODE_SV57 as u64 {
            MODE_SV57
        } else {
            widest as usize
        };
        if mode == MODE_BARE || (mode >= MODE_SV39 && mode <= widest) {
            // INVARIANT: a MODE just checked.
            Some(Self(value))
        } else {
            None
        }
    }

    /// What a write of `value` leaves in the register that held `self`:
    /// as for `satp`, a write of a MODE the hart does not have is ignored.
    /// (Were it written, a hart that ignores it would keep the previous
    /// vCPU's `vsatp`, which the put reads back and `GET_ONE_REG` shows.)
    pub const fn written(self, value: usize, widest: u64) -> Self {
        match Self::new(value, widest) {
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

    const MODE_SV48: usize = 9;

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
        assert_eq!(Vsstatus::new(UBE | UXL_64).bits(), UXL_64);
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
        let all = SIE | SPIE | SPP | VS | FS | SUM | MXR;
        assert_eq!(Vsstatus::new(all | UXL_64).bits(), all | UXL_64);
        for bit in [SIE, SPIE, SPP, 1 << 9, 1 << 10, 1 << 13, 1 << 14, SUM, MXR] {
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
    fn vsatp_takes_the_rv64_schemes_the_host_has() {
        for mode in [MODE_BARE, MODE_SV39, MODE_SV48, MODE_SV57] {
            let v = mode << MODE_SHIFT | 0x1234;
            assert_eq!(Vsatp::new(v, 10).map(Vsatp::bits), Some(v));
        }
        // A host on Sv48: no Sv57 for its guests either.
        assert_eq!(Vsatp::new(MODE_SV57 << MODE_SHIFT, 9), None);
        assert!(Vsatp::new(MODE_SV48 << MODE_SHIFT, 9).is_some());
        assert!(Vsatp::new(MODE_SV39 << MODE_SHIFT, 8).is_some());
        assert_eq!(Vsatp::new(MODE_SV48 << MODE_SHIFT, 8), None);
        // Bare whatever the host has; no scheme above Sv57 whatever it says.
        assert!(Vsatp::new(0, 0).is_some());
        assert_eq!(Vsatp::new(11 << MODE_SHIFT, 15), None);
    }

    #[test]
    fn vsatp_write_of_a_reserved_mode_is_ignored() {
        let old = Vsatp::default().written(MODE_SV39 << MODE_SHIFT | 42, 10);
        assert_eq!(old.bits(), MODE_SV39 << MODE_SHIFT | 42);
        for mode in (0..16).filter(|m| ![0, 8, 9, 10].contains(m)) {
            assert_eq!(Vsatp::new(mode << MODE_SHIFT, 10), None);
            assert_eq!(old.written(mode << MODE_SHIFT | 7, 10), old);
        }
        assert_eq!(old.written(0, 10).bits(), 0);
    }
}
