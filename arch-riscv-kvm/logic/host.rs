// SPDX-License-Identifier: GPL-2.0

//! Host build of the pure-logic layer, for `cargo test`.
//!
//! In the kernel the same files are the `logic` module of the `riscv_kvm`
//! crate; here they are wrapped in a `no_std` crate so the tests see exactly
//! the code the kernel runs.

#![no_std]

#[cfg(test)]
extern crate std;

#[path = "mod.rs"]
pub mod logic;
