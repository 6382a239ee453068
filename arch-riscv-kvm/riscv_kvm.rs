// SPDX-License-Identifier: GPL-2.0

//! RISC-V KVM backend.
//!
//! The arch half of `kvm.ko`, in Rust; generic KVM (`virt/kvm/`) is the
//! other half and stays C. Layers, lowest first:
//!
//! - `logic`: pure logic, host-tested with `cargo test`;
//! - `csr`: the instructions the backend issues directly;
//! - `glue`, `print`: wrappers of C helpers;
//! - `host`, `gstage`, `vm`, `vcpu`: the backend proper, exporting the
//!   `kvm_arch_*` hooks generic KVM calls.

pub mod logic;

mod context;
mod csr;
mod glue;
mod host;
mod kvm_run;
mod mmu;
mod print;
mod run;
mod sbi;
mod sta;
mod switch;
mod timer;
mod tlb;
mod vcpu;
mod vcpu_onereg;
mod vcpu_stat;
mod vm;

use kernel::bindings;
use kernel::prelude::*;

module! {
    type: RiscvKvm,
    name: "kvm",
    author: "riscv-kvm-rs developers",
    description: "Kernel-based Virtual Machine, RISC-V backend in Rust",
    license: "GPL",
}

/// The loaded module. Owns generic KVM's registration and the VMID
/// allocator every VM uses.
struct RiscvKvm {
    _vmids: Pin<KBox<host::Vmids>>,
}

impl kernel::Module for RiscvKvm {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let caps = host::HostCaps::probe()?;
        let vmids = KBox::pin_init(host::Vmids::new(caps.vmid_bits), GFP_KERNEL)?;
        host::Vmids::install(&vmids);
        let size = u32::try_from(core::mem::size_of::<vcpu::Vcpu>()).map_err(|_| EINVAL)?;
        let align = u32::try_from(core::mem::align_of::<vcpu::Vcpu>()).map_err(|_| EINVAL)?;
        // SAFETY: Called once, from module init; `module` is this module.
        let rc = unsafe { bindings::kvm_init(size, align, module.as_ptr()) };
        if rc != 0 {
            host::Vmids::uninstall();
            return Err(Error::from_errno(rc));
        }
        Ok(RiscvKvm { _vmids: vmids })
    }
}

impl Drop for RiscvKvm {
    fn drop(&mut self) {
        // SAFETY: `kvm_init()` succeeded in `init()`; module unload runs
        // only once no VM holds a reference to the module.
        unsafe { bindings::kvm_exit() };
        host::Vmids::uninstall();
    }
}
