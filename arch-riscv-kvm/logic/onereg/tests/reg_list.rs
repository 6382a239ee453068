// SPDX-License-Identifier: GPL-2.0

//! Tests of `KVM_GET_REG_LIST`: contents, order and count.

use super::*;

#[test]
fn list_round_trips_and_every_listed_id_is_accepted() {
    for d in descs() {
        let ids: Vec<u64> = reg_ids(&d).collect();
        assert_eq!(ids.len(), reg_count(&d), "{d:?}");
        assert_eq!(regs(&d).count(), reg_count(&d));
        for &id in &ids {
            let reg = parse(id).unwrap();
            assert_eq!(encode(reg), id);
            assert_eq!(lookup(id, &d), Ok(reg), "{id:#x}");
            assert_eq!(set_precheck(id, &d, false), Ok(()));
            assert!(d.lists(reg));
        }
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "duplicate ids");
    }
}

/// Class of an id in list order, to check the sections come in
/// upstream order.
fn section(id: u64) -> u32 {
    match id & (KVM_REG_RISCV_TYPE_MASK | KVM_REG_RISCV_SUBTYPE_MASK) {
        KVM_REG_RISCV_CONFIG => 0,
        KVM_REG_RISCV_CORE => 1,
        x if x == KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_GENERAL => 2,
        x if x == KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_AIA => 3,
        x if x == KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_SMSTATEEN => 4,
        KVM_REG_RISCV_TIMER => 5,
        KVM_REG_RISCV_FP_F => 6,
        KVM_REG_RISCV_FP_D => 7,
        KVM_REG_RISCV_VECTOR => 8,
        KVM_REG_RISCV_ISA_EXT => 9,
        KVM_REG_RISCV_SBI_EXT => 10,
        KVM_REG_RISCV_SBI_STATE => 11,
        _ => panic!("unexpected id {id:#x}"),
    }
}

#[test]
fn list_order_is_upstreams() {
    for d in descs() {
        let ids: Vec<u64> = reg_ids(&d).collect();
        for w in ids.windows(2) {
            let (a, b) = (section(w[0]), section(w[1]));
            assert!(
                a < b || (a == b && (w[0] & 0xffff) < (w[1] & 0xffff)),
                "{:#x} {:#x}",
                w[0],
                w[1]
            );
        }
    }
}

#[test]
fn bare_vcpu_list() {
    let ids: Vec<u64> = reg_ids(&bare()).collect();
    // isa, mvendorid, marchid, mimpid, satp_mode; 33 core; 11 CSRs;
    // 4 timer registers.
    assert_eq!(ids.len(), 5 + 33 + 11 + 4);
    let config: Vec<u64> = ids[..5].iter().map(|id| id & 0xff).collect();
    assert_eq!(config, [0, 2, 3, 4, 6]);
    assert_eq!(ids[5], U64 | KVM_REG_RISCV_CORE);
    assert_eq!(ids[5 + 32], U64 | KVM_REG_RISCV_CORE | 32);
    assert_eq!(*ids.last().unwrap(), U64 | KVM_REG_RISCV_TIMER | 3);
}

#[test]
fn full_vcpu_list() {
    let d = full();
    let ids: Vec<u64> = reg_ids(&d).collect();
    assert_eq!(
        ids.len(),
        7 + 33 + (11 + 7 + 1) + 4 + 33 + 33 + 37 + 62 + 11 + 2
    );
    let find = |id: u64| ids.iter().position(|&x| x == id).unwrap();
    // Config in index order with both block sizes.
    assert_eq!(
        &ids[..7],
        &(0..7)
            .map(|i| U64 | KVM_REG_RISCV_CONFIG | i)
            .collect::<Vec<_>>()[..]
    );
    // FP_D: f0..f31 as u64, then fcsr as u32 at index 32.
    let d0 = find(U64 | KVM_REG_RISCV_FP_D);
    assert_eq!(ids[d0 + 31], U64 | KVM_REG_RISCV_FP_D | 31);
    assert_eq!(ids[d0 + 32], U32 | KVM_REG_RISCV_FP_D | 32);
    // Vector: five CSRs, datap skipped, v0 at 6 sized by vlenb (32).
    let v = find(U64 | KVM_REG_RISCV_VECTOR);
    assert_eq!(ids[v + 4], U64 | KVM_REG_RISCV_VECTOR | 4);
    assert_eq!(
        ids[v + 5],
        KVM_REG_RISCV | KVM_REG_SIZE_U256 | KVM_REG_RISCV_VECTOR | 6
    );
    assert_eq!(
        ids[v + 36],
        KVM_REG_RISCV | KVM_REG_SIZE_U256 | KVM_REG_RISCV_VECTOR | 37
    );
    // H is on the host, so its ISA_EXT register is listed although the
    // vCPU can never have it.
    assert!(ids.contains(&(U64 | KVM_REG_RISCV_ISA_EXT | 4)));
    // STA state comes last.
    assert_eq!(
        &ids[ids.len() - 2..],
        &[
            U64 | KVM_REG_RISCV_SBI_STATE,
            U64 | KVM_REG_RISCV_SBI_STATE | 1
        ]
    );
}

#[test]
fn qemu_like_list() {
    let d = qemu_like();
    let ids: Vec<u64> = reg_ids(&d).collect();
    // 7 config, 33 core, 11 CSRs, 4 timer, 33 F, 33 D, 37 vector,
    // 15 ISA ids, 10 SBI ids (PMU unavailable), no STA state (STA
    // disabled).
    assert_eq!(ids.len(), 7 + 33 + 11 + 4 + 33 + 33 + 37 + 15 + 10);
    assert!(ids.contains(&(U64 | KVM_REG_RISCV_SBI_EXT | 10)));
    assert!(!ids.contains(&(U64 | KVM_REG_RISCV_SBI_EXT | 6)));
    assert!(!ids
        .iter()
        .any(|id| id & KVM_REG_RISCV_TYPE_MASK == KVM_REG_RISCV_SBI_STATE));
    assert!(ids.contains(&(KVM_REG_RISCV | KVM_REG_SIZE_U128 | KVM_REG_RISCV_VECTOR | 6)));
}

#[test]
fn conditional_blocks() {
    let count = |f: &dyn Fn(&mut VcpuDesc)| {
        let mut d = bare();
        f(&mut d);
        reg_count(&d) - reg_count(&bare())
    };
    assert_eq!(count(&|d| d.isa = bit(IsaExtId::ZICBOM)), 1);
    assert_eq!(count(&|d| d.isa = bit(IsaExtId::ZICBOZ)), 1);
    assert_eq!(count(&|d| d.isa = bit(IsaExtId::SSAIA)), 7);
    assert_eq!(count(&|d| d.isa = bit(IsaExtId::SMSTATEEN)), 1);
    assert_eq!(count(&|d| d.isa = bit(IsaExtId::F)), 33);
    assert_eq!(count(&|d| d.isa = bit(IsaExtId::D)), 33);
    assert_eq!(count(&|d| d.isa = bit(IsaExtId::V)), 37);
    assert_eq!(count(&|d| d.host_isa = ALL_ISA), 62);
    // Bits past KVM_RISCV_ISA_EXT_MAX are not extensions.
    assert_eq!(count(&|d| d.host_isa = !ALL_ISA), 0);
    assert_eq!(count(&|d| d.sbi[3] = SbiExtStatus::Disabled), 1);
    assert_eq!(count(&|d| d.sbi[10] = SbiExtStatus::Disabled), 1);
    assert_eq!(count(&|d| d.sbi[10] = SbiExtStatus::Enabled), 1 + 2);
}
