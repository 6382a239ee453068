// SPDX-License-Identifier: GPL-2.0

//! Tests of the ISA_EXT single and MULTI_EN/MULTI_DIS registers.

use super::*;

#[test]
fn ext_get_reads_host_gated_bits() {
    let host = qemu_like();
    let isa = initial_vcpu_isa(&host, true);
    assert_eq!(ext_get(&isa, &host, id(IsaExt::A)), Ok(1));
    // On the host but never on the vCPU.
    assert_eq!(ext_get(&isa, &host, id(IsaExt::H)), Ok(0));
    assert_eq!(ext_get(&isa, &host, id(IsaExt::Sscofpmf)), Ok(0));
    // Not on the host.
    for e in [IsaExt::V, IsaExt::Ssaia, IsaExt::Zkt] {
        let r = ext_get(&isa, &host, id(e));
        assert_eq!(r, Err(IsaError::NotFound), "{e:?}");
        assert_eq!(r.unwrap_err().to_errno(), ENOENT);
    }
}

#[test]
fn ext_set_not_on_host_is_enoent_first() {
    let host = qemu_like();
    let mut isa = initial_vcpu_isa(&host, true);
    for (value, ran) in [(0, false), (1, false), (7, false), (1, true), (7, true)] {
        assert_eq!(
            ext_set(&mut isa, &host, id(IsaExt::V), value, ran, true),
            Err(IsaError::NotFound)
        );
    }
}

#[test]
fn ext_set_same_value_is_a_no_op_even_after_run() {
    let host = qemu_like();
    let mut isa = initial_vcpu_isa(&host, true);
    let before = isa;
    for ran in [false, true] {
        assert_eq!(
            ext_set(&mut isa, &host, id(IsaExt::A), 1, ran, true),
            Ok(IsaWrite::Unchanged)
        );
        // H is off, so "disable H" is a no-op too.
        assert_eq!(
            ext_set(&mut isa, &host, id(IsaExt::H), 0, ran, true),
            Ok(IsaWrite::Unchanged)
        );
    }
    assert_eq!(isa, before);
}

#[test]
fn ext_set_after_run_is_ebusy_before_the_value_check() {
    let host = qemu_like();
    let mut isa = initial_vcpu_isa(&host, true);
    let before = isa;
    for (e, v) in [
        (IsaExt::D, 0),
        (IsaExt::A, 0),
        (IsaExt::H, 1),
        (IsaExt::A, 2),
        (IsaExt::H, u64::MAX),
    ] {
        let r = ext_set(&mut isa, &host, id(e), v, true, true);
        assert_eq!(r, Err(IsaError::Busy), "{e:?} {v}");
        assert_eq!(r.unwrap_err().to_errno(), EBUSY);
    }
    assert_eq!(isa, before);
}

#[test]
fn ext_set_einval_for_refused_changes_and_bad_values() {
    let host = qemu_like().with(HostExtId::V).with(HostExtId::SSAIA);
    let mut isa = initial_vcpu_isa(&host, false);
    let before = isa;
    for (e, v, why) in [
        (IsaExt::H, 1, "H is never enabled"),
        (IsaExt::V, 1, "task may not use vector"),
        (IsaExt::A, 0, "A cannot be disabled"),
        (IsaExt::Sstc, 0, "Sstc cannot be disabled in 6.12"),
        (IsaExt::Svinval, 0, "no switch"),
        (IsaExt::Zicntr, 0, "no switch"),
        (IsaExt::Ssaia, 1, "AIA state is not switched yet"),
        (IsaExt::D, 2, "value other than 0/1"),
        (IsaExt::H, 2, "value other than 0/1"),
        (IsaExt::A, u64::MAX, "value other than 0/1"),
    ] {
        let r = ext_set(&mut isa, &host, id(e), v, false, false);
        assert_eq!(r, Err(IsaError::Invalid), "{e:?} {v}: {why}");
        assert_eq!(r.unwrap_err().to_errno(), EINVAL);
    }
    assert_eq!(isa, before);
}

#[test]
fn ext_set_toggles_what_may_change() {
    let host = qemu_like()
        .with(HostExtId::V)
        .with(HostExtId::SSAIA)
        .with(HostExtId::SMSTATEEN);
    let mut isa = initial_vcpu_isa(&host, false);
    assert!(!isa.has_ext(IsaExt::V));
    for e in [
        IsaExt::D,
        IsaExt::F,
        IsaExt::Svpbmt,
        IsaExt::Zicbom,
        IsaExt::Zicboz,
    ] {
        assert!(isa.has_ext(e), "{e:?}");
        assert_eq!(
            ext_set(&mut isa, &host, id(e), 0, false, false),
            Ok(IsaWrite::Written)
        );
        assert_eq!(ext_get(&isa, &host, id(e)), Ok(0), "{e:?}");
        assert_eq!(
            ext_set(&mut isa, &host, id(e), 1, false, false),
            Ok(IsaWrite::Written)
        );
        assert_eq!(ext_get(&isa, &host, id(e)), Ok(1), "{e:?}");
    }
    // V may be enabled once the task may use vector.
    assert_eq!(
        ext_set(&mut isa, &host, id(IsaExt::V), 1, false, true),
        Ok(IsaWrite::Written)
    );
    assert!(isa.has_ext(IsaExt::V));
    // Sscofpmf, Ssaia, Smstateen: not offered by this backend yet, so
    // never enabled, whatever the host has.
    for e in [IsaExt::Sscofpmf, IsaExt::Ssaia, IsaExt::Smstateen] {
        assert!(!isa.has_ext(e), "{e:?}");
        assert_eq!(
            ext_set(&mut isa, &host, id(e), 1, false, true),
            Err(IsaError::Invalid),
            "{e:?}"
        );
    }
}

#[test]
fn ext_set_is_visible_in_config_isa_and_back() {
    let host = qemu_like();
    let mut isa = initial_vcpu_isa(&host, true);
    let _ = ext_set(&mut isa, &host, id(IsaExt::D), 0, false, true).unwrap();
    assert_eq!(config_isa_value(&isa) & 1 << 3, 0);
    let with_d = config_isa_value(&isa) | 1 << 3;
    let _ = set_config_isa(&mut isa, &host, with_d, false, true).unwrap();
    assert_eq!(ext_get(&isa, &host, id(IsaExt::D)), Ok(1));
}

// -- ISA_EXT multi ------------------------------------------------------

#[test]
fn multi_get_is_the_vcpu_bitmap_and_dis_its_complement() {
    let host = qemu_like();
    let isa = initial_vcpu_isa(&host, true);
    let en = ext_get_multi(&isa, &host, word0());
    assert_eq!(en, vcpu_kvm_isa_bitmap(&isa));
    assert_eq!(get_reg(&isa, &host, IsaExtReg::MultiEn(word0())), Ok(en));
    // The complement covers bits 62 and 63, which name nothing.
    let dis = get_reg(&isa, &host, IsaExtReg::MultiDis(word0())).unwrap();
    assert_eq!(dis, !en);
    assert_eq!(dis >> 62, 0b11);
    assert_eq!(
        get_reg(&isa, &host, IsaExtReg::Single(id(IsaExt::C))),
        Ok(1)
    );
    assert_eq!(
        get_reg(&isa, &host, IsaExtReg::Single(id(IsaExt::V))),
        Err(IsaError::NotFound)
    );
}

#[test]
fn multi_set_ignores_each_failure() {
    let host = qemu_like();
    let mut isa = initial_vcpu_isa(&host, true);
    let start = isa;
    // Disable everything: only what may be disabled goes (D F Svpbmt
    // Zicbom Zicboz), the rest (refused, absent, ids 62/63) is ignored.
    let w = set_reg(
        &mut isa,
        &host,
        IsaExtReg::MultiDis(word0()),
        !0,
        false,
        true,
    );
    assert_eq!(w, Ok(IsaWrite::Written));
    let gone: BTreeSet<IsaExt> = kvm_set(&start)
        .difference(&kvm_set(&isa))
        .copied()
        .collect();
    assert_eq!(
        gone,
        BTreeSet::from([
            IsaExt::D,
            IsaExt::F,
            IsaExt::Svpbmt,
            IsaExt::Zicbom,
            IsaExt::Zicboz
        ])
    );
    // Enable everything: back to the start; H and Sscofpmf are refused
    // silently.
    let w = set_reg(
        &mut isa,
        &host,
        IsaExtReg::MultiEn(word0()),
        !0,
        false,
        true,
    );
    assert_eq!(w, Ok(IsaWrite::Written));
    assert_eq!(isa, start);
    // Nothing to do: nothing written, no FP reset.
    assert_eq!(
        ext_set_multi(&mut isa, &host, word0(), !0, true, false, true),
        IsaWrite::Unchanged
    );
    assert_eq!(
        ext_set_multi(&mut isa, &host, word0(), 0, false, false, true),
        IsaWrite::Unchanged
    );
    // Bits 62 and 63 name no extension.
    assert_eq!(
        ext_set_multi(&mut isa, &host, word0(), 3 << 62, false, false, true),
        IsaWrite::Unchanged
    );
}

#[test]
fn multi_set_after_run_succeeds_and_changes_nothing() {
    let host = qemu_like();
    let mut isa = initial_vcpu_isa(&host, true);
    let start = isa;
    for reg in [IsaExtReg::MultiEn(word0()), IsaExtReg::MultiDis(word0())] {
        assert_eq!(
            set_reg(&mut isa, &host, reg, !0, true, true),
            Ok(IsaWrite::Unchanged)
        );
    }
    assert_eq!(isa, start);
    assert_eq!(
        set_reg(
            &mut isa,
            &host,
            IsaExtReg::Single(id(IsaExt::D)),
            0,
            true,
            true
        ),
        Err(IsaError::Busy)
    );
}
