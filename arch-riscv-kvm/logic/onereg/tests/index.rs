// SPDX-License-Identifier: GPL-2.0

//! Tests of `Index`: its bounds, and clamping.

use super::*;

#[test]
fn index_bounds() {
    assert_eq!(Gpr::new(0), None);
    assert_eq!(Gpr::new(1).map(Index::get), Some(1));
    assert_eq!(Gpr::new(31).map(Index::get), Some(31));
    assert_eq!(Gpr::new(32), None);
    assert_eq!(IsaExtId::new(61).map(Index::get), Some(61));
    assert_eq!(IsaExtId::new(62), None);
    assert_eq!(SbiExtId::new(10), Some(SbiExtId::STA));
    assert_eq!(SbiExtId::new(11), None);
    assert_eq!(IsaWord::new(1), None);
    assert_eq!(SbiWord::new(1), None);
    assert_eq!(SizeLog2::new(15).map(Index::get), Some(15));
    assert_eq!(SizeLog2::new(16), None);
    assert_eq!(FReg::new(u64::MAX), None);
}

#[test]
fn a_clamp_that_misbehaves_still_yields_an_index_in_range() {
    for n in 1..32 {
        let x = Gpr::new(n).expect("x1..x31");
        let got = x.clamped(|_, _| usize::MAX).get();
        assert!((1..32).contains(&got), "x{n} became x{got}");
        assert_eq!(x.clamped(|_, _| 0).get(), 1);
    }
    let last = SbiExtId::new(u64::from(KVM_RISCV_SBI_EXT_MAX) - 1).expect("in range");
    assert!(last.clamped(|i, l| i + l).get() < KVM_RISCV_SBI_EXT_MAX as u32);
}
