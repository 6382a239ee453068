// SPDX-License-Identifier: GPL-2.0

//! The SBI calls a guest makes with `ecall`: which extension answers, and
//! what answering takes.
//!
//! The kernel layer reads `a0..=a7` into an [`SbiCall`], describes the
//! vCPU in an [`SbiEnv`] and calls [`dispatch`]. Whatever needs only
//! numbers is decided here: the extension lookup and its gating, every
//! function id, argument decoding and the checks upstream makes on
//! arguments before touching a kernel object, and the BASE extension
//! entirely. The [`SbiOutcome`] names what is left for the kernel layer to
//! carry out (arm a timer, raise IPIs, queue fences, start a hart, exit to
//! userspace, ...), and [`SbiOutcome::completion`] how the guest's
//! registers change afterwards. Everything mirrors Linux 6.12
//! (`arch/riscv/kvm/vcpu_sbi*.c`); line numbers below refer to those
//! files.
//!
//! # Completing a call
//!
//! `kvm_riscv_vcpu_sbi_ecall()` (`vcpu_sbi.c:419-482`) ends a call in one
//! of five ways, which the kernel layer reproduces as follows:
//!
//! | case                          | `sepc` | `a0`    | `a1`           | then        |
//! |-------------------------------|--------|---------|----------------|-------------|
//! | no (enabled) extension        | +4     | error   | 0              | guest       |
//! | answered, v0.2 and later      | +4     | error   | value          | guest       |
//! | answered, legacy v0.1         | +4     | error   | untouched      | guest       |
//! | exit to userspace             | kept   | kept    | kept           | userspace   |
//! | guest memory fault (v0.1 only)| trap   | kept    | kept           | guest trap  |
//! | Linux error from the kernel   | kept   | kept    | kept           | ioctl error |
//!
//! The first three are [`Completion::Resume`], the fourth
//! [`Completion::Exit`]. The last two only arise in the kernel layer:
//!
//! - reading a legacy hart mask from guest memory can fault; upstream
//!   then redirects the fault to the guest with `sepc` left on the
//!   `ecall`, so the guest retries it after handling the fault
//!   (`vcpu_sbi.c:457-464`);
//! - a negative errno from the work itself (a timer or interrupt helper
//!   failing) leaves the registers alone and fails `KVM_RUN` with it
//!   (`vcpu_sbi.c:450-454`).
//!
//! A call forwarded to userspace completes on the next `KVM_RUN`, with
//! [`forward_return`]: both `a0` and `a1` from `kvm_run`, and `sepc + 4`,
//! whatever the call (v0.1 console calls included).
//!
//! # Choices where upstream has no defined behaviour
//!
//! - A v0.1 hart mask of 0 means every online vCPU: upstream computes
//!   `(1UL << online_vcpus) - 1`, undefined from 64 vCPUs on. Here 64 or
//!   more online vCPUs give all 64 bits ([`online_mask`]).
//! - A v0.1 hart mask bit with no vCPU of that id makes upstream
//!   dereference NULL; the kernel layer must skip it
//!   ([`SbiOutcome::LegacySendIpi`]).
//! - The vCPU selection of hart masks follows [`hart_selected`], which
//!   drops vCPUs 64 or more ids above the base where upstream's fence path
//!   shifts out of range.
//!
//! [`hart_selected`]: super::hfence::hart_selected

mod call;
mod ext_table;
mod handlers;
mod kvm_abi;
mod outcome;
mod spec;
mod vcpu;

pub use call::*;
pub use ext_table::*;
pub use handlers::*;
pub use kvm_abi::*;
pub use outcome::*;
pub use spec::*;
pub use vcpu::*;

#[cfg(test)]
mod tests;
