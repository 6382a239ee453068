// SPDX-License-Identifier: GPL-2.0

//! Tests of `lookup`, `set_precheck` and `lookup_set`: the checks on the
//! vCPU, and the get/set verdicts.

use super::*;

#[test]
fn vcpu_gates() {
    use RegIdError::*;
    let b = bare();
    // Config block sizes: size first, then the vCPU's extension.
    let cbom = U64 | KVM_REG_RISCV_CONFIG | 1;
    let cboz = U64 | KVM_REG_RISCV_CONFIG | 5;
    assert_eq!(lookup(cbom, &b), Err(NotFound));
    assert_eq!(lookup(cboz, &b), Err(NotFound));
    assert_eq!(lookup(cbom & !KVM_REG_SIZE_MASK, &b), Err(BadSize));
    assert!(lookup(cbom, &full()).is_ok());
    assert!(lookup(cboz, &full()).is_ok());
    // FP and vector: the extension before the size.
    assert_eq!(lookup(U64 | KVM_REG_RISCV_FP_F, &b), Err(NotFound));
    assert_eq!(lookup(U32 | KVM_REG_RISCV_FP_F, &b), Err(NotFound));
    assert_eq!(lookup(U32 | KVM_REG_RISCV_FP_D, &b), Err(NotFound));
    assert_eq!(lookup(U32 | KVM_REG_RISCV_VECTOR, &b), Err(NotFound));
    assert_eq!(lookup(U64 | KVM_REG_RISCV_VECTOR | 4, &b), Err(NotFound));
    // F alone leaves FP_D out and vice versa.
    let mut f_only = bare();
    f_only.isa = bit(IsaExtId::F);
    assert!(lookup(U32 | KVM_REG_RISCV_FP_F | 32, &f_only).is_ok());
    assert_eq!(
        lookup(U32 | KVM_REG_RISCV_FP_D | 32, &f_only),
        Err(NotFound)
    );
    // AIA CSRs exist without Ssaia (they read as 0).
    assert!(lookup(U64 | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_AIA, &b).is_ok());
    // Smstateen: the host's extension decides, and says EINVAL.
    let sstateen0 = U64 | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_SMSTATEEN;
    assert_eq!(lookup(sstateen0, &b), Err(Invalid));
    let mut host_only = bare();
    host_only.host_isa = bit(IsaExtId::SMSTATEEN);
    assert!(lookup(sstateen0, &host_only).is_ok());
    assert!(!host_only.lists(parse(sstateen0).unwrap()));
    // ISA single: the host's extension decides; enabled or not.
    let zbb = U64 | KVM_REG_RISCV_ISA_EXT | 13;
    assert_eq!(lookup(zbb, &b), Err(NotFound));
    let mut host_zbb = bare();
    host_zbb.host_isa = 1 << 13;
    assert!(lookup(zbb, &host_zbb).is_ok());
    // SBI single: exists unless unavailable.
    let pmu = U64 | KVM_REG_RISCV_SBI_EXT | 6;
    assert_eq!(lookup(pmu, &qemu_like()), Err(NotFound));
    let sta = U64 | KVM_REG_RISCV_SBI_EXT | 10;
    assert!(lookup(sta, &qemu_like()).is_ok());
    // MULTI words and STA state exist on every vCPU.
    for id in [
        U64 | KVM_REG_RISCV_ISA_EXT | KVM_REG_RISCV_ISA_MULTI_EN,
        U64 | KVM_REG_RISCV_SBI_EXT | KVM_REG_RISCV_SBI_MULTI_DIS,
        U64 | KVM_REG_RISCV_SBI_STATE,
        U64 | KVM_REG_RISCV_SBI_STATE | 1,
    ] {
        assert!(lookup(id, &b).is_ok(), "{id:#x}");
        assert!(!b.lists(parse(id).unwrap()));
    }
}

#[test]
fn set_checks_before_the_copy() {
    use RegIdError::*;
    let b = bare();
    // Early-copy classes only check the size before the copy.
    for id in [
        U64 | KVM_REG_RISCV_CONFIG | 99,
        U64 | KVM_REG_RISCV_CONFIG | 1, // Zicbom absent
        U64 | KVM_REG_RISCV_CSR | 99,
        U64 | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_SMSTATEEN | 5,
        U64 | KVM_REG_RISCV_ISA_EXT | 99,
        U64 | KVM_REG_RISCV_SBI_STATE | 9 << 16,
        U64 | KVM_REG_RISCV_SBI_EXT | 99,
    ] {
        assert_eq!(set_precheck(id, &b, false), Ok(()), "{id:#x}");
        assert!(lookup(id, &b).is_err());
        assert_eq!(
            set_precheck(id & !KVM_REG_SIZE_MASK, &b, false),
            Err(BadSize)
        );
    }
    // Late-copy classes check everything before the copy.
    for (id, err) in [
        (U64 | KVM_REG_RISCV_CORE | 33, NotFound),
        (U32 | KVM_REG_RISCV_CORE, BadSize),
        (U64 | KVM_REG_RISCV_TIMER | 4, NotFound),
        (U32 | KVM_REG_RISCV_FP_F, NotFound),
        (U64 | KVM_REG_RISCV_VECTOR | 4, NotFound),
    ] {
        assert_eq!(set_precheck(id, &b, false), Err(err), "{id:#x}");
    }
    assert_eq!(
        set_precheck(U64 | KVM_REG_RISCV_FP_F, &full(), false),
        Err(BadSize)
    );
    assert_eq!(
        set_precheck(U32 | KVM_REG_RISCV_FP_F, &full(), false),
        Ok(())
    );
    // SBI extensions are frozen once the vCPU ran, whatever the id,
    // but the size is checked first.
    let sbi = U64 | KVM_REG_RISCV_SBI_EXT | 99;
    assert_eq!(set_precheck(sbi, &full(), true), Err(Busy));
    assert_eq!(
        set_precheck(U32 | KVM_REG_RISCV_SBI_EXT, &full(), true),
        Err(BadSize)
    );
    // Nothing else is frozen at this stage.
    assert_eq!(
        set_precheck(U64 | KVM_REG_RISCV_ISA_EXT | 3, &full(), true),
        Ok(())
    );
    assert_eq!(
        set_precheck(U64 | KVM_REG_RISCV_CONFIG, &full(), true),
        Ok(())
    );
}

#[test]
fn sbi_single_set_checks_the_value_first() {
    use RegIdError::*;
    let q = qemu_like();
    let pmu = U64 | KVM_REG_RISCV_SBI_EXT | 6; // unavailable
    let bogus = U64 | KVM_REG_RISCV_SBI_EXT | 99;
    let time = U64 | KVM_REG_RISCV_SBI_EXT | 1;
    assert_eq!(lookup_set(pmu, 2, &q), Err(BadValue));
    assert_eq!(lookup_set(bogus, 2, &q), Err(BadValue));
    assert_eq!(lookup_set(pmu, 1, &q), Err(NotFound));
    assert_eq!(lookup_set(bogus, 0, &q), Err(NotFound));
    assert!(lookup_set(time, 1, &q).is_ok());
    assert_eq!(lookup_set(time, u64::MAX, &q), Err(BadValue));
    // MULTI words take any value; other subtypes stay ENOENT.
    let multi = U64 | KVM_REG_RISCV_SBI_EXT | KVM_REG_RISCV_SBI_MULTI_EN;
    assert!(lookup_set(multi, u64::MAX, &q).is_ok());
    assert_eq!(
        lookup_set(U64 | KVM_REG_RISCV_SBI_EXT | 3 << 16, 2, &q),
        Err(NotFound)
    );
    // ISA singles reject values only after the id (caller's job).
    assert_eq!(
        lookup_set(U64 | KVM_REG_RISCV_ISA_EXT | 62, 2, &q),
        Err(NotFound)
    );
    // Elsewhere lookup_set is lookup.
    assert_eq!(lookup_set(U32 | KVM_REG_RISCV_SBI_EXT, 2, &q), Err(BadSize));
    assert_eq!(
        lookup_set(U64 | KVM_REG_RISCV_CORE, 2, &q),
        lookup(U64 | KVM_REG_RISCV_CORE, &q)
    );
}

#[test]
fn no_input_panics() {
    let mut descs = descs();
    let mut odd = full();
    odd.vlenb = 0;
    descs.push(odd);
    odd.vlenb = 24; // not a power of two
    descs.push(odd);
    odd.vlenb = u64::MAX;
    descs.push(odd);
    odd.vlenb = 1 << 63;
    descs.push(odd);
    let mut checked = 0u32;
    for arch in [0u64, 0x80, 0xff] {
        for size in 0..16u64 {
            for ty in (0..=16u64).chain([0x7f, 0xff]) {
                for sub in [0u64, 1, 2, 3, 0xff] {
                    for idx in (0..70u64).chain([0xffff, 1 << 32, 0xf_ffff << 32]) {
                        let id = arch << 56 | size << 52 | ty << 24 | sub << 16 | idx;
                        let p = parse(id);
                        if let Ok(reg) = p {
                            assert_eq!(encode(reg), id & !KVM_REG_ARCH_MASK | KVM_REG_RISCV);
                            assert_eq!(reg_size(id), reg.size());
                        }
                        for d in &descs {
                            let l = lookup(id, d);
                            // A vCPU only ever narrows what parse accepts.
                            if p.is_err() {
                                assert!(l.is_err());
                            }
                            if let Ok(reg) = l {
                                assert_eq!(p, Ok(reg));
                            }
                            let _ = set_precheck(id, d, size & 1 == 0);
                            let _ = lookup_set(id, idx, d);
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 50_000);
    // Odd vlenb values still yield a full, well-formed list.
    for d in &descs {
        assert_eq!(reg_ids(d).count(), reg_count(d));
    }
}
