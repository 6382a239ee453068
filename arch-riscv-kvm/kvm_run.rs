// SPDX-License-Identifier: GPL-2.0

//! The vCPU's `kvm_run` page, shared with userspace.
//!
//! Userspace maps the page and may write any of it at any time, even while
//! `KVM_RUN` runs (a buggy or hostile VMM does). So the backend never
//! holds a Rust reference into it: every access is one volatile read or
//! write of one field through a raw pointer, and what userspace wrote is
//! read once and then used as a plain value.

use core::marker::PhantomData;
use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};
use kernel::bindings;
use kernel::ffi::c_ulong;

use crate::vcpu::Vcpu;

/// Access to the `kvm_run` page of a vCPU.
pub(crate) struct KvmRun<'a> {
    /// INVARIANT: the `kvm_run` page of the vCPU borrowed for `'a`, which
    /// stays mapped in the kernel as long as the vCPU lives.
    page: *mut bindings::kvm_run,
    _vcpu: PhantomData<&'a Vcpu>,
}

/// Reads the field at place `$($field)+` of the page.
macro_rules! get {
    ($run:expr, $($field:tt)+) => {
        // SAFETY: The page is valid for reads, by the type invariant; every
        // field of `struct kvm_run` is plain integer data, valid whatever
        // bits userspace left in it (whichever union member it wrote).
        unsafe { read_volatile(addr_of!((*$run.page).$($field)+)) }
    };
}

/// Writes `$value` to the field at place `$($field)+` of the page.
macro_rules! put {
    ($run:expr, $($field:tt)+) => {
        // SAFETY: The page is valid for writes, by the type invariant; a
        // volatile write of a plain-data field cannot tear anything the
        // kernel relies on.
        |value| unsafe { write_volatile(addr_of_mut!((*$run.page).$($field)+), value) }
    };
}

impl<'a> KvmRun<'a> {
    /// The page of `v`.
    pub(crate) fn of(v: &'a Vcpu) -> Self {
        // INVARIANT: Generic KVM allocates `vcpu->run` with the vCPU and
        // frees it with the vCPU.
        KvmRun {
            page: v.kvm_vcpu().run_page(),
            _vcpu: PhantomData,
        }
    }

    /// The exit reason, as last written by the kernel or userspace.
    pub(crate) fn exit_reason(&self) -> u32 {
        get!(self, exit_reason)
    }

    /// Sets the exit reason of an exit without further data.
    pub(crate) fn set_exit_reason(&self, reason: u32) {
        put!(self, exit_reason)(reason);
    }

    /// a0 and a1 as userspace completed a `KVM_EXIT_RISCV_SBI`.
    pub(crate) fn sbi_ret(&self) -> [c_ulong; 2] {
        get!(self, __bindgen_anon_1.riscv_sbi.ret)
    }

    /// The data of a completed `KVM_EXIT_MMIO` load.
    pub(crate) fn mmio_data(&self) -> [u8; 8] {
        get!(self, __bindgen_anon_1.mmio.data)
    }

    /// The CSR's old value as userspace completed a `KVM_EXIT_RISCV_CSR`.
    pub(crate) fn csr_ret_value(&self) -> u64 {
        get!(self, __bindgen_anon_1.riscv_csr.ret_value) as u64
    }

    /// Reports a CSR access for userspace to emulate.
    pub(crate) fn set_csr_exit(
        &self,
        csr_num: u64,
        new_value: u64,
        write_mask: u64,
        ret_value: u64,
    ) {
        put!(self, __bindgen_anon_1.riscv_csr.csr_num)(csr_num as c_ulong);
        put!(self, __bindgen_anon_1.riscv_csr.new_value)(new_value as c_ulong);
        put!(self, __bindgen_anon_1.riscv_csr.write_mask)(write_mask as c_ulong);
        put!(self, __bindgen_anon_1.riscv_csr.ret_value)(ret_value as c_ulong);
        self.set_exit_reason(bindings::KVM_EXIT_RISCV_CSR);
    }

    /// Reports an MMIO access for userspace to emulate.
    pub(crate) fn set_mmio_exit(&self, gpa: u64, len: u32, is_write: bool, data: [u8; 8]) {
        put!(self, __bindgen_anon_1.mmio.phys_addr)(gpa);
        put!(self, __bindgen_anon_1.mmio.len)(len);
        put!(self, __bindgen_anon_1.mmio.is_write)(u8::from(is_write));
        put!(self, __bindgen_anon_1.mmio.data)(data);
        self.set_exit_reason(bindings::KVM_EXIT_MMIO);
    }

    /// Reports an SBI call for userspace to handle.
    pub(crate) fn set_sbi_exit(
        &self,
        extension_id: u64,
        function_id: u64,
        args: [u64; 6],
        ret: [u64; 2],
    ) {
        put!(self, __bindgen_anon_1.riscv_sbi.extension_id)(extension_id as c_ulong);
        put!(self, __bindgen_anon_1.riscv_sbi.function_id)(function_id as c_ulong);
        put!(self, __bindgen_anon_1.riscv_sbi.args)(args.map(|a| a as c_ulong));
        put!(self, __bindgen_anon_1.riscv_sbi.ret)(ret.map(|r| r as c_ulong));
        self.set_exit_reason(bindings::KVM_EXIT_RISCV_SBI);
    }

    /// Reports a system event (`KVM_SYSTEM_EVENT_*`) with one datum.
    pub(crate) fn set_system_event(&self, kind: u32, datum: u64) {
        let mut data = [0u64; 16];
        data[0] = datum;
        put!(self, __bindgen_anon_1.system_event.type_)(kind);
        put!(self, __bindgen_anon_1.system_event.ndata)(1);
        put!(self, __bindgen_anon_1.system_event.__bindgen_anon_1.data)(data);
        self.set_exit_reason(bindings::KVM_EXIT_SYSTEM_EVENT);
    }
}
