// SPDX-License-Identifier: GPL-2.0

//! Tests of the enable and disable policy and of the initial ISA.

use super::*;
use std::vec::Vec;

#[test]
fn enable_policy() {
    let bare = HostIsa::EMPTY;
    let aia = host_of(&[HostExtId::SSAIA]);
    for ext in IsaExt::ALL {
        let expect = !matches!(ext, IsaExt::H | IsaExt::Sscofpmf | IsaExt::V);
        assert_eq!(
            upstream_enable_allowed(ext, &bare, false),
            expect,
            "{ext:?}"
        );
    }
    assert!(!upstream_enable_allowed(IsaExt::H, &everything(), true));
    assert!(upstream_enable_allowed(IsaExt::Sscofpmf, &aia, false));
    // Smaia (M-mode AIA) is not Ssaia.
    assert!(!upstream_enable_allowed(
        IsaExt::Sscofpmf,
        &host_of(&[HostExtId::SMAIA]),
        false
    ));
    assert!(upstream_enable_allowed(IsaExt::V, &bare, true));
}

#[test]
fn only_what_the_backend_virtualises_is_offered() {
    let not_switched = [IsaExt::Ssaia, IsaExt::Smstateen, IsaExt::Sscofpmf];
    for ext in IsaExt::ALL {
        assert_eq!(virtualised(ext), !not_switched.contains(&ext), "{ext:?}");
        for host in [HostIsa::EMPTY, everything()] {
            for vector in [false, true] {
                assert_eq!(
                    enable_allowed(ext, &host, vector),
                    virtualised(ext) && upstream_enable_allowed(ext, &host, vector),
                    "{ext:?}"
                );
            }
        }
    }
    // A host with all of them gives a new vCPU none of them, and
    // userspace cannot turn them on.
    let mut isa = initial_vcpu_isa(&everything(), true);
    for ext in not_switched {
        assert!(!isa.has_ext(ext), "{ext:?}");
        assert_eq!(
            ext_set(&mut isa, &everything(), id(ext), 1, false, true),
            Err(IsaError::Invalid),
            "{ext:?}"
        );
    }
}

#[test]
fn disable_policy() {
    let bare = HostIsa::EMPTY;
    let never: Vec<IsaExt> = IsaExt::ALL
        .into_iter()
        .filter(|&e| !disable_allowed(e, &everything()))
        .collect();
    assert_eq!(never.len(), 53);
    for e in [
        IsaExt::A,
        IsaExt::C,
        IsaExt::I,
        IsaExt::M,
        IsaExt::Sstc,
        IsaExt::Sscofpmf,
        IsaExt::Svinval,
        IsaExt::Svnapot,
        IsaExt::Zicntr,
        IsaExt::Zicsr,
        IsaExt::Zifencei,
        IsaExt::Zihpm,
        IsaExt::Zihintpause,
        IsaExt::Zawrs,
    ] {
        assert!(never.contains(&e), "{e:?}");
    }
    for e in [
        IsaExt::D,
        IsaExt::F,
        IsaExt::H,
        IsaExt::V,
        IsaExt::Svpbmt,
        IsaExt::Zicbom,
        IsaExt::Zicboz,
        IsaExt::Smstateen,
    ] {
        assert!(disable_allowed(e, &bare), "{e:?}");
    }
    assert!(!disable_allowed(IsaExt::Ssaia, &bare));
    assert!(disable_allowed(
        IsaExt::Ssaia,
        &host_of(&[HostExtId::SMSTATEEN])
    ));
}

#[test]
fn initial_isa_of_a_qemu_like_host() {
    let host = qemu_like();
    let isa = initial_vcpu_isa(&host, true);
    let mut expect: BTreeSet<IsaExt> = IsaExt::ALL
        .into_iter()
        .filter(|&e| host.has_ext(e))
        .collect();
    // H is never virtualised; Sscofpmf needs Ssaia, which this host
    // lacks, and this backend offers neither yet.
    expect.remove(&IsaExt::H);
    expect.remove(&IsaExt::Sscofpmf);
    expect.remove(&IsaExt::Ssaia);
    expect.remove(&IsaExt::Smstateen);
    assert_eq!(kvm_set(&isa), expect);
    // Only KVM ids: Q and Xlinuxenvcfg stay host-only.
    assert!(!isa.has(HostExtId::Q) && !isa.has(HostExtId::XLINUXENVCFG));
    // rv64imafdc as the CONFIG register shows it.
    let letters = |s: &str| s.bytes().fold(0u64, |m, c| m | 1 << (c - b'a'));
    assert_eq!(config_isa_value(&isa), letters("imafdc"));
    assert_eq!(config_isa_value(&isa), 0x112d);

    // With AIA upstream gives the vCPU Ssaia and Sscofpmf; this backend
    // does not switch their state yet, so it gives neither.
    let aia = host.with(HostExtId::SMAIA).with(HostExtId::SSAIA);
    let isa = initial_vcpu_isa(&aia, true);
    assert!(!isa.has_ext(IsaExt::Ssaia) && !isa.has_ext(IsaExt::Sscofpmf));
    assert!(!isa.has_ext(IsaExt::H));
}

#[test]
fn initial_isa_vector_follows_the_task() {
    let host = qemu_like().with(HostExtId::V);
    assert!(initial_vcpu_isa(&host, true).has_ext(IsaExt::V));
    assert!(!initial_vcpu_isa(&host, false).has_ext(IsaExt::V));
    // Without V on the host, allowing it changes nothing.
    assert!(!initial_vcpu_isa(&qemu_like(), true).has_ext(IsaExt::V));
}

#[test]
fn initial_isa_is_host_and_allowed() {
    for vec in [false, true] {
        let all = initial_vcpu_isa(&everything(), vec);
        for ext in IsaExt::ALL {
            assert_eq!(
                all.has_ext(ext),
                enable_allowed(ext, &everything(), vec),
                "{ext:?}"
            );
        }
        assert_eq!(initial_vcpu_isa(&HostIsa::EMPTY, vec), VcpuIsa::EMPTY);
    }
}
