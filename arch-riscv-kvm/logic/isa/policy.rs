// SPDX-License-Identifier: GPL-2.0

//! Who may enable or disable which extension on a vCPU, and the ISA a
//! new vCPU starts with.

use super::host_ext_id::HostExtId;
use super::host_isa::HostIsa;
use super::kvm_ext::IsaExt;
use super::vcpu_isa::VcpuIsa;

/// Whether upstream 6.12 lets userspace enable `ext` on a vCPU
/// (`kvm_riscv_vcpu_isa_enable_allowed()`, 105-120). `vector_allowed` is
/// `riscv_v_vstate_ctrl_user_allowed()`: whether the *calling task* may
/// use vector (its `PR_RISCV_V_VSTATE_CTRL` state), so the caller computes
/// it afresh for each ioctl rather than once per host.
pub const fn upstream_enable_allowed(ext: IsaExt, host: &HostIsa, vector_allowed: bool) -> bool {
    match ext {
        // KVM does not virtualise the hypervisor extension.
        IsaExt::H => false,
        // Sscofpmf's overflow interrupt filtering needs Ssaia (110-112),
        // on the host, not on the vCPU.
        IsaExt::Sscofpmf => host.has(HostExtId::SSAIA),
        // The guest's vector state lives in the calling task's.
        IsaExt::V => vector_allowed,
        _ => true,
    }
}

/// Whether this backend switches the state `ext` gives a guest.
///
/// Upstream offers Ssaia wherever the host has it; this backend does not
/// switch its state yet (the AIA CSRs and IMSIC guest files), so a guest
/// that used it would share the host's. An extension is offered once its
/// state is switched and tested: Smstateen (`hstateen0` from the vCPU's
/// ISA, `sstateen0` swapped around each entry, `selftests/smstateen.c`),
/// Sscofpmf (the SBI PMU's counters filter by mode, their overflow is
/// the guest's LCOFI, `upstream/sbi_pmu_test`).
pub const fn virtualised(ext: IsaExt) -> bool {
    !matches!(ext, IsaExt::Ssaia)
}

/// Whether userspace may enable `ext` on a vCPU: upstream's rule, for
/// what this backend virtualises.
pub const fn enable_allowed(ext: IsaExt, host: &HostIsa, vector_allowed: bool) -> bool {
    virtualised(ext) && upstream_enable_allowed(ext, host, vector_allowed)
}

/// Whether userspace may disable `ext` on a vCPU
/// (`kvm_riscv_vcpu_isa_disable_allowed()`, 122-189). An extension can be
/// hidden only if the hypervisor can make it trap or vanish; every variant
/// is listed so that a new one needs a decision.
pub const fn disable_allowed(ext: IsaExt, host: &HostIsa) -> bool {
    use IsaExt::*;
    match ext {
        // No mechanism to disable them (126-180): instructions or CSRs the
        // guest reaches without a hypervisor control bit. Sstc is here
        // although henvcfg.STCE exists: 6.12 lists it (132).
        A | C | I | M | Sscofpmf | Sstc | Svinval | Svnapot | Zacas | Zawrs | Zba | Zbb | Zbc
        | Zbkb | Zbkc | Zbkx | Zbs | Zca | Zcb | Zcd | Zcf | Zcmop | Zfa | Zfh | Zfhmin
        | Zicntr | Zicond | Zicsr | Zifencei | Zihintntl | Zihintpause | Zihpm | Zimop | Zknd
        | Zkne | Zknh | Zkr | Zksed | Zksh | Zkt | Ztso | Zvbb | Zvbc | Zvfh | Zvfhmin | Zvkb
        | Zvkg | Zvkned | Zvknha | Zvknhb | Zvksed | Zvksh | Zvkt => false,
        // hstateen0 hides the AIA CSRs only where the host has Smstateen
        // (182-183).
        Ssaia => host.has(HostExtId::SMSTATEEN),
        // The default (184-188): FS/VS off, henvcfg bits clear, hstateen0
        // bit clear, or (H) never on in the first place.
        D | F | H | V | Svpbmt | Zicbom | Zicboz | Smstateen => true,
    }
}

/// The ISA a new vCPU starts with (`kvm_riscv_vcpu_setup_isa()`, 191-201):
/// every KVM extension the host has and [`enable_allowed`] admits.
pub fn initial_vcpu_isa(host: &HostIsa, vector_allowed: bool) -> VcpuIsa {
    let mut isa = VcpuIsa::EMPTY;
    for ext in IsaExt::ALL {
        if host.has_ext(ext) && enable_allowed(ext, host, vector_allowed) {
            isa.set(ext.host_id(), true);
        }
    }
    isa
}
