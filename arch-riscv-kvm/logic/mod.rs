// SPDX-License-Identifier: GPL-2.0

//! Layer 1: pure logic of the RISC-V KVM backend.
//!
//! Nothing here touches the kernel, a CSR or a raw pointer. Every item is
//! plain safe Rust over integers and slices, unit-tested on the host with
//! `cargo test` (see `../Cargo.toml`).

pub mod csr_emul;
pub mod gstage;
pub mod hfence;
pub mod insn;
pub mod irq;
pub mod isa;
pub mod onereg;
pub mod pmu;
pub mod pte;
pub mod sbi;
pub mod timer;
pub mod vmid;
pub mod vscsr;
