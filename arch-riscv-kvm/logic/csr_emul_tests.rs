// SPDX-License-Identifier: GPL-2.0

//! Host tests of `logic::csr_emul`.

use super::*;
use crate::logic::insn::{CsrOp, CsrSource};

fn read(csr: u16) -> CsrInsn {
    CsrInsn {
        csr,
        op: CsrOp::Set,
        rd: 10,
        source: CsrSource::Reg(0),
    }
}

#[test]
fn table_ranges_do_not_overlap() {
    for (i, a) in CSR_TABLE.iter().enumerate() {
        assert!(a.count > 0);
        assert!(u32::from(a.base) + u32::from(a.count) <= 0x1000);
        for b in &CSR_TABLE[i + 1..] {
            let (a0, a1) = (u32::from(a.base), u32::from(a.base) + u32::from(a.count));
            let (b0, b1) = (u32::from(b.base), u32::from(b.base) + u32::from(b.count));
            assert!(a1 <= b0 || b1 <= a0, "{a:?} overlaps {b:?}");
        }
    }
}

#[test]
fn lookup_covers_exactly_the_ranges() {
    for csr in 0..0x1000u16 {
        let want = match csr {
            0xc00..=0xc1f => Some(CsrHandler::HpmCounter),
            0x015 => Some(CsrHandler::Seed),
            _ => None,
        };
        assert_eq!(handler_of(csr), want, "csr {csr:#x}");
    }
}

#[test]
fn counters_go_to_the_pmu() {
    let env = CsrEnv::default();
    for csr in [CSR_CYCLE, 0xc01, CSR_INSTRET, 0xc03, 0xc1f] {
        let insn = read(csr);
        assert_eq!(
            emulate(&insn, insn.update(0), &env),
            CsrOutcome::ReadCounter { csr, write_mask: 0 },
            "csr {csr:#x}"
        );
    }
}

#[test]
fn seed_goes_to_userspace_only_with_zkr() {
    // csrrw a0, seed, a1 with a1 = 0x55: a write of every bit.
    let insn = CsrInsn {
        csr: CSR_SEED,
        op: CsrOp::Write,
        rd: 10,
        source: CsrSource::Reg(11),
    };
    let update = insn.update(0x55);
    assert_eq!(
        emulate(&insn, update, &CsrEnv { zkr: true }),
        CsrOutcome::ExitToUser(CsrExit {
            csr_num: 0x015,
            new_value: 0x55,
            write_mask: u64::MAX,
            ret_value: 0,
        })
    );
    assert_eq!(
        emulate(&insn, update, &CsrEnv { zkr: false }),
        CsrOutcome::IllegalInsn
    );
    // csrrsi a0, seed, 3: set bits 0 and 1.
    let set = CsrInsn {
        csr: CSR_SEED,
        op: CsrOp::Set,
        rd: 10,
        source: CsrSource::Imm(3),
    };
    assert_eq!(
        emulate(&set, set.update(0), &CsrEnv { zkr: true }),
        CsrOutcome::ExitToUser(CsrExit {
            csr_num: 0x015,
            new_value: u64::MAX,
            write_mask: 3,
            ret_value: 0,
        })
    );
}

#[test]
fn unknown_csrs_are_illegal() {
    let env = CsrEnv { zkr: true };
    for csr in [0x000, 0x100, 0x140, 0x180, 0x5a8, 0xfff] {
        let insn = read(csr);
        assert_eq!(
            emulate(&insn, insn.update(0), &env),
            CsrOutcome::IllegalInsn
        );
    }
}
