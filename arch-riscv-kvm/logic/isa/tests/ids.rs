// SPDX-License-Identifier: GPL-2.0

//! Tests of the host and KVM extension ids and the mapping between them.

use super::*;
use std::vec::Vec;

#[test]
fn ids_pinned_to_both_headers() {
    // <asm/hwcap.h> (6.12).
    for (h, n) in [
        (HostExtId::A, 0),
        (HostExtId::C, 2),
        (HostExtId::D, 3),
        (HostExtId::F, 5),
        (HostExtId::H, 7),
        (HostExtId::I, 8),
        (HostExtId::M, 12),
        (HostExtId::Q, 16),
        (HostExtId::V, 21),
        (HostExtId::SSCOFPMF, 26),
        (HostExtId::SSAIA, 36),
        (HostExtId::SMSTATEEN, 43),
        (HostExtId::ZAWRS, 85),
        (HostExtId::XLINUXENVCFG, 127),
    ] {
        assert_eq!(h.get(), n, "{h:?}");
    }
    // <asm/kvm.h> id -> hwcap id, a dozen entries across the table.
    for (ext, kvm, host) in [
        (IsaExt::A, 0, 0),
        (IsaExt::C, 1, 2),
        (IsaExt::H, 4, 7),
        (IsaExt::M, 6, 12),
        (IsaExt::Svpbmt, 7, 29),
        (IsaExt::Sstc, 8, 27),
        (IsaExt::Zbb, 13, 30),
        (IsaExt::Ssaia, 14, 36),
        (IsaExt::V, 15, 21),
        (IsaExt::Smstateen, 23, 43),
        (IsaExt::Zfh, 46, 66),
        (IsaExt::Sscofpmf, 54, 26),
        (IsaExt::Zca, 56, 80),
        (IsaExt::Zawrs, 61, 85),
    ] {
        assert_eq!(ext.index(), kvm, "{ext:?}");
        assert_eq!(ext.host_id().get(), host, "{ext:?}");
        assert_eq!(KVM_TO_HOST[kvm as usize].get(), host, "{ext:?}");
    }
    assert_eq!(IsaExt::ALL.len(), KVM_RISCV_ISA_EXT_MAX as usize);
    assert_eq!(KVM_RISCV_BASE_ISA_MASK, 0x3ff_ffff);
}

#[test]
fn ids_agree_with_onereg() {
    for (e, i) in [
        (IsaExt::D, IsaExtId::D),
        (IsaExt::F, IsaExtId::F),
        (IsaExt::Zicbom, IsaExtId::ZICBOM),
        (IsaExt::Zicboz, IsaExtId::ZICBOZ),
        (IsaExt::Ssaia, IsaExtId::SSAIA),
        (IsaExt::V, IsaExtId::V),
        (IsaExt::Smstateen, IsaExtId::SMSTATEEN),
    ] {
        assert_eq!(IsaExt::from_id(i), Some(e));
        assert_eq!(id(e), i);
    }
}

#[test]
fn lookups_both_ways() {
    for ext in IsaExt::ALL {
        assert_eq!(IsaExt::from_host(ext.host_id()), Some(ext));
        assert_eq!(IsaExt::from_index(u64::from(ext.index())), Some(ext));
    }
    for h in [
        HostExtId::Q,
        HostExtId::SMAIA,
        HostExtId::ZVE32X,
        HostExtId::SVVPTC,
        HostExtId::XLINUXENVCFG,
    ] {
        assert_eq!(IsaExt::from_host(h), None, "{h:?}");
    }
    // Letters without a KVM id: everything but a c d f h i m v.
    let letters: Vec<u32> = (0..26)
        .filter(|&l| IsaExt::from_host(HostExtId::new(l).unwrap()).is_some())
        .collect();
    assert_eq!(letters, [0, 2, 3, 5, 7, 8, 12, 21]);
    assert_eq!(IsaExt::from_index(62), None);
    assert_eq!(IsaExt::from_index(u64::MAX), None);
    assert_eq!(HostExtId::new(127), Some(HostExtId::XLINUXENVCFG));
    assert_eq!(HostExtId::new(128), None);
}
