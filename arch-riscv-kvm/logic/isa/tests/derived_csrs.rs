// SPDX-License-Identifier: GPL-2.0

//! Tests of `henvcfg` and `hstateen0`.

use super::*;

#[test]
fn envcfg_and_stateen_bits_match_csr_h() {
    assert_eq!(ENVCFG_STCE, 0x8000_0000_0000_0000);
    assert_eq!(ENVCFG_PBMTE, 0x4000_0000_0000_0000);
    assert_eq!(ENVCFG_CBZE, 0x80);
    assert_eq!(ENVCFG_CBCFE, 0x40);
    assert_eq!(ENVCFG_CBIE, 0x30);
    assert_eq!(SMSTATEEN0_AIA_IMSIC, 1 << 58);
    assert_eq!(SMSTATEEN0_AIA, 1 << 59);
    assert_eq!(SMSTATEEN0_AIA_ISEL, 1 << 60);
    assert_eq!(SMSTATEEN0_HSENVCFG, 1 << 62);
    assert_eq!(SMSTATEEN0_SSTATEEN0, 1 << 63);
}

#[test]
fn henvcfg_follows_the_vcpu_isa() {
    let host = qemu_like();
    assert_eq!(henvcfg(&VcpuIsa::EMPTY), 0);
    let mut isa = initial_vcpu_isa(&host, true);
    assert_eq!(henvcfg(&isa), 0xc000_0000_0000_00f0);
    for (e, bits) in [
        (IsaExt::Svpbmt, ENVCFG_PBMTE),
        (IsaExt::Zicbom, ENVCFG_CBIE | ENVCFG_CBCFE),
        (IsaExt::Zicboz, ENVCFG_CBZE),
    ] {
        let before = henvcfg(&isa);
        let _ = ext_set(&mut isa, &host, id(e), 0, false, true).unwrap();
        assert_eq!(henvcfg(&isa), before & !bits, "{e:?}");
    }
    // Only STCE is left, and Sstc cannot be disabled.
    assert_eq!(henvcfg(&isa), ENVCFG_STCE);
    // Single-extension vCPUs.
    for (e, bits) in [
        (IsaExt::Sstc, ENVCFG_STCE),
        (IsaExt::Svpbmt, ENVCFG_PBMTE),
        (IsaExt::Zicbom, 0x70),
        (IsaExt::Zicboz, 0x80),
        (IsaExt::A, 0),
        (IsaExt::Svnapot, 0),
    ] {
        let h = HostIsa::EMPTY.with(e.host_id());
        assert_eq!(henvcfg(&initial_vcpu_isa(&h, true)), bits, "{e:?}");
    }
}

#[test]
fn hstateen0_needs_host_smstateen() {
    let host = qemu_like()
        .with(HostExtId::SSAIA)
        .with(HostExtId::SMSTATEEN);
    let mut isa = initial_vcpu_isa(&host, true);
    // Without host Smstateen the CSR does not exist: 0 whatever the ISA.
    assert_eq!(hstateen0(&isa, false), 0);
    assert_eq!(hstateen0(&VcpuIsa::EMPTY, false), 0);
    assert_eq!(hstateen0(&VcpuIsa::EMPTY, true), SMSTATEEN0_HSENVCFG);
    // A new vCPU has neither Ssaia nor Smstateen here (not virtualised
    // yet), so only the envcfg bit.
    assert_eq!(hstateen0(&isa, true), SMSTATEEN0_HSENVCFG);
    // What a vCPU with both would get, as upstream computes it.
    isa.set(HostExtId::SSAIA, true);
    isa.set(HostExtId::SMSTATEEN, true);
    assert_eq!(hstateen0(&isa, true), 0xdc00_0000_0000_0000);
    isa.set(HostExtId::SSAIA, false);
    assert_eq!(
        hstateen0(&isa, true),
        SMSTATEEN0_HSENVCFG | SMSTATEEN0_SSTATEEN0
    );
    isa.set(HostExtId::SMSTATEEN, false);
    assert_eq!(hstateen0(&isa, true), SMSTATEEN0_HSENVCFG);
}
