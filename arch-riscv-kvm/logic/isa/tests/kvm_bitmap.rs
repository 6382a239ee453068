// SPDX-License-Identifier: GPL-2.0

//! Tests of the bitmaps over KVM ids.

use super::*;

#[test]
fn kvm_bitmaps() {
    assert_eq!(kvm_isa_bitmap(&HostIsa::EMPTY), 0);
    assert_eq!(kvm_isa_bitmap(&everything()), (1 << 62) - 1);
    // Host ids KVM does not expose leave no trace.
    let h = host_of(&[HostExtId::Q, HostExtId::SMAIA, HostExtId::XLINUXENVCFG]);
    assert_eq!(kvm_isa_bitmap(&h), 0);
    let h = host_of(&[HostExtId::A, HostExtId::V, HostExtId::ZAWRS]);
    assert_eq!(kvm_isa_bitmap(&h), 1 | 1 << 15 | 1 << 61);
    for ext in IsaExt::ALL {
        let h = HostIsa::EMPTY.with(ext.host_id());
        assert_eq!(kvm_isa_bitmap(&h), 1 << ext.index(), "{ext:?}");
        assert!(h.has_ext(ext));
    }
    let v = initial_vcpu_isa(&qemu_like(), false);
    assert_eq!(
        vcpu_kvm_isa_bitmap(&v),
        kvm_isa_bitmap(&qemu_like()) & !(1 << 4) & !(1 << 54)
    );
    assert_eq!(vcpu_kvm_isa_bitmap(&VcpuIsa::EMPTY), 0);
}
