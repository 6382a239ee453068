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

mod csr;
mod glue;
mod gstage;
mod host;
mod print;
mod vcpu;
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

/// The loaded module. Owns generic KVM's registration.
struct RiscvKvm;

impl kernel::Module for RiscvKvm {
    fn init(module: &'static ThisModule) -> Result<Self> {
        host::HostCaps::probe()?;
        let size = u32::try_from(core::mem::size_of::<vcpu::Vcpu>()).map_err(|_| EINVAL)?;
        let align = u32::try_from(core::mem::align_of::<vcpu::Vcpu>()).map_err(|_| EINVAL)?;
        // SAFETY: Called once, from module init; `module` is this module.
        let rc = unsafe { bindings::kvm_init(size, align, module.as_ptr()) };
        if rc != 0 {
            return Err(Error::from_errno(rc));
        }
        Ok(RiscvKvm)
    }
}

impl Drop for RiscvKvm {
    fn drop(&mut self) {
        // SAFETY: `kvm_init()` succeeded in `init()`; module unload runs
        // only once no VM holds a reference to the module.
        unsafe { bindings::kvm_exit() };
    }
}
