// SPDX-License-Identifier: GPL-2.0

//! Host tests of `logic::sbi`: the fixtures they share, and one file per
//! part of the module.

use super::*;
use crate::logic::onereg::{SbiExtId, SbiExtStatus, SbiExtStatuses, KVM_RISCV_SBI_EXT_MAX};

mod call;
mod dispatch;
mod ext_table;
mod handlers;
mod numbers;
mod outcome;
mod vcpu;

const ALL_IDS: [SbiExtId; 11] = [
    SbiExtId::V01,
    SbiExtId::TIME,
    SbiExtId::IPI,
    SbiExtId::RFENCE,
    SbiExtId::SRST,
    SbiExtId::HSM,
    SbiExtId::PMU,
    SbiExtId::EXPERIMENTAL,
    SbiExtId::VENDOR,
    SbiExtId::DBCN,
    SbiExtId::STA,
];

/// Upstream's defaults on a host with everything: DBCN starts
/// disabled, the rest enabled. Legacy calls compiled in.
/// Every status an extension can have.
const STATUSES: [SbiExtStatus; 3] = [
    SbiExtStatus::Enabled,
    SbiExtStatus::Disabled,
    SbiExtStatus::Unavailable,
];

fn env() -> SbiEnv {
    let mut sbi = [SbiExtStatus::Enabled; KVM_RISCV_SBI_EXT_MAX as usize];
    sbi[SbiExtId::DBCN.get() as usize] = SbiExtStatus::Disabled;
    SbiEnv {
        sbi: sbi.into(),
        v01: true,
        mvendorid: 0x489,
        marchid: 0x8000_0000_0000_0007,
        mimpid: 0x2022_0101,
        impl_version: kernel_version(6, 12, 117),
        online_vcpus: 4,
    }
}

fn with(status: SbiExtStatus) -> SbiEnv {
    SbiEnv {
        sbi: SbiExtStatuses::all(status),
        ..env()
    }
}

fn call(ext: u64, func: u64, args: [u64; 6]) -> SbiCall {
    SbiCall { ext, func, args }
}

fn go(ext: u64, func: u64, args: [u64; 6]) -> SbiOutcome {
    dispatch(&call(ext, func, args), &env())
}

fn ret(error: i64, value: u64) -> SbiOutcome {
    SbiOutcome::Return(SbiRet { error, value })
}

const NS: SbiOutcome = NOT_SUPPORTED;
const Z: [u64; 6] = [0; 6];
