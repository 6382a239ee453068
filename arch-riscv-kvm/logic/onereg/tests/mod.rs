// SPDX-License-Identifier: GPL-2.0

//! Host tests of `logic::onereg`.
//!
//! The vCPU descriptions and id prefixes here are shared by the tests,
//! which are in one file per file of the module they test. Those files
//! are included rather than declared as modules, so that every test keeps
//! its name `logic::onereg::tests::NAME`, as `selftests/expected-pass`
//! lists it.

use super::*;
use std::string::String;
use std::vec::Vec;

const U32: u64 = KVM_REG_RISCV | KVM_REG_SIZE_U32;
const U64: u64 = KVM_REG_RISCV | KVM_REG_SIZE_U64;

const ALL_ISA: u64 = (1 << KVM_RISCV_ISA_EXT_MAX) - 1;
const H: u64 = 1 << 4;

fn bit(e: IsaExtId) -> u64 {
    1 << e.get()
}

/// No optional state: only the base ISA, every SBI extension
/// unavailable.
fn bare() -> VcpuDesc {
    VcpuDesc {
        host_isa: 0,
        isa: 0,
        sbi: SbiExtStatuses::all(SbiExtStatus::Unavailable),
        vlenb: 0,
    }
}

/// Every ISA extension on the host and on the vCPU (but H, which a
/// vCPU never gets), every SBI extension enabled, VLEN 256.
fn full() -> VcpuDesc {
    VcpuDesc {
        host_isa: ALL_ISA,
        isa: ALL_ISA & !H,
        sbi: SbiExtStatuses::all(SbiExtStatus::Enabled),
        vlenb: 32,
    }
}

/// Something like QEMU's rv64 `virt` with `-cpu rv64,v=true,vlen=128`:
/// IMAFDCV, H, Zicbom/Zicboz, Sstc, Svpbmt, Zicntr..Zifencei; PMU
/// unavailable, STA disabled, every other SBI extension enabled.
fn qemu_like() -> VcpuDesc {
    // A C D F H I M Svpbmt Sstc Zicbom Zicboz V Zicntr Zicsr Zifencei
    let host = [0u32, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 15, 19, 20, 21]
        .iter()
        .fold(0u64, |m, &b| m | 1 << b);
    let mut sbi = [SbiExtStatus::Enabled; KVM_RISCV_SBI_EXT_MAX as usize];
    sbi[6] = SbiExtStatus::Unavailable;
    sbi[10] = SbiExtStatus::Disabled;
    VcpuDesc {
        host_isa: host,
        isa: host & !H,
        sbi: sbi.into(),
        vlenb: 16,
    }
}

fn descs() -> Vec<VcpuDesc> {
    let mut v = std::vec![bare(), full(), qemu_like()];
    // Single-feature variations, each against the bare vCPU.
    for e in [
        IsaExtId::F,
        IsaExtId::D,
        IsaExtId::V,
        IsaExtId::SSAIA,
        IsaExtId::SMSTATEEN,
        IsaExtId::ZICBOM,
        IsaExtId::ZICBOZ,
    ] {
        let mut d = bare();
        d.host_isa = bit(e);
        d.isa = bit(e);
        d.vlenb = 64;
        v.push(d);
    }
    // Host-only extensions: listed under ISA_EXT, nothing else.
    let mut d = bare();
    d.host_isa = ALL_ISA;
    v.push(d);
    // STA enabled alone.
    let mut d = bare();
    d.sbi[SbiExtId::STA.get() as usize] = SbiExtStatus::Enabled;
    v.push(d);
    // The widest vector registers the size field can express.
    let mut d = full();
    d.vlenb = 1 << 15;
    v.push(d);
    v
}

mod decode;
mod encoding;
mod index;
mod reg_id;
mod reg_list;
mod vcpu_lookup;
