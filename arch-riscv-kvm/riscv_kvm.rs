// SPDX-License-Identifier: GPL-2.0

//! RISC-V KVM backend.
//!
//! The arch half of `kvm.ko`, in Rust; generic KVM (`virt/kvm/`) is the
//! other half and stays C. Layers, lowest first:
//!
//! - `logic`: pure logic, host-tested with `cargo test`;
//! - `csr`, `switch`, `context`: the instructions the backend issues
//!   directly and the world switch;
//! - `glue`, `kvm`, `print`: every C function the backend calls, each
//!   wrapped once, as safe functions over types that carry their
//!   preconditions;
//! - the rest: the backend proper, in safe code apart from the hooks it
//!   exports to generic KVM (`kvm_arch_*`), each of which turns its raw
//!   pointers into those types first.

// The initialisers of the vCPU's context and load state (`vcpu.rs`) name
// every field, past the default limit of the `init!` macro's recursion.
#![recursion_limit = "256"]

pub mod logic;

mod addr;
mod context;
mod csr;
mod exports;
mod glue;
mod gstage;
mod host;
mod kvm;
mod kvm_mmu;
mod kvm_run;
mod kvm_srcu;
mod logic_abi;
mod mmu;
mod pmu;
mod print;
mod run;
mod sbi;
mod sta;
mod switch;
mod timer;
mod tlb;
mod trap;
mod vcpu;
mod vcpu_context;
mod vcpu_exit;
mod vcpu_fp;
mod vcpu_hooks;
mod vcpu_insn;
mod vcpu_onereg;
mod vcpu_vector;
mod vm;

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
        let size = u32::try_from(core::mem::size_of::<vcpu::Vcpu>()).map_err(|_| EINVAL)?;
        let align = u32::try_from(core::mem::align_of::<vcpu::Vcpu>()).map_err(|_| EINVAL)?;
        let vmids = KBox::pin_init(host::Vmids::new(caps.vmid_bits), GFP_KERNEL)?;
        // SAFETY: The module owns `vmids` until it is dropped, after
        // `kvm::exit()` and `uninstall()`, or until the failed init below,
        // after `uninstall()`: no VM is left at either point. Nothing in
        // between returns early.
        unsafe { host::Vmids::install(&vmids) };
        // SAFETY: Called once, from this module's init; `drop` undoes it.
        if let Err(e) = unsafe { kvm::init(size, align, module) } {
            host::Vmids::uninstall();
            return Err(e);
        }
        Ok(RiscvKvm { _vmids: vmids })
    }
}

impl Drop for RiscvKvm {
    fn drop(&mut self) {
        // SAFETY: `kvm::init()` succeeded in `init()`; module unload runs
        // only once no VM holds a reference to the module.
        unsafe { kvm::exit() };
        host::Vmids::uninstall();
    }
}
