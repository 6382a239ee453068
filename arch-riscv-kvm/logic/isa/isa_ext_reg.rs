// SPDX-License-Identifier: GPL-2.0

//! The ISA_EXT registers: single extensions and the MULTI_EN/MULTI_DIS
//! words.

use super::error::IsaError;
use super::host_isa::HostIsa;
use super::isa_write::IsaWrite;
use super::kvm_ext::IsaExt;
use super::policy::{disable_allowed, enable_allowed};
use super::vcpu_isa::VcpuIsa;
use crate::logic::onereg::{IsaExtId, IsaExtReg, IsaWord};

/// The extension behind `id` if the host has it; `ENOENT` otherwise
/// (587-593, 608-614).
fn host_ext(host: &HostIsa, id: IsaExtId) -> Result<IsaExt, IsaError> {
    match IsaExt::from_id(id) {
        Some(ext) if host.has_ext(ext) => Ok(ext),
        _ => Err(IsaError::NotFound),
    }
}

/// Reads ISA_EXT single register `id`: 1 if enabled on the vCPU, 0 if not
/// (581-600).
pub fn ext_get(vcpu: &VcpuIsa, host: &HostIsa, id: IsaExtId) -> Result<u64, IsaError> {
    let ext = host_ext(host, id)?;
    Ok(u64::from(vcpu.has_ext(ext)))
}

/// Writes ISA_EXT single register `id` (602-638).
///
/// In upstream order: `ENOENT` if KVM or the host lacks the extension; a
/// no-op if `value` is the current 0/1 (even after the vCPU ran); `EBUSY`
/// if the vCPU ran (so a value other than 0/1 gets `EBUSY`, not `EINVAL`,
/// then); `EINVAL` for a value other than 0/1 and for an enable or disable
/// the extension does not allow.
pub fn ext_set(
    vcpu: &mut VcpuIsa,
    host: &HostIsa,
    id: IsaExtId,
    value: u64,
    ran: bool,
    vector_allowed: bool,
) -> Result<IsaWrite, IsaError> {
    let ext = host_ext(host, id)?;
    if value == u64::from(vcpu.has_ext(ext)) {
        return Ok(IsaWrite::Unchanged);
    }
    if ran {
        return Err(IsaError::Busy);
    }
    let on = match value {
        1 if enable_allowed(ext, host, vector_allowed) => true,
        0 if disable_allowed(ext, host) => false,
        _ => return Err(IsaError::Invalid),
    };
    vcpu.set(ext.host_id(), on);
    Ok(IsaWrite::Written)
}

/// KVM ids covered by MULTI word `word`, with their bit in the word: ids
/// `64 * word ..`, stopping at the last KVM id (651-652, 674-675).
fn word_exts(word: IsaWord) -> impl Iterator<Item = (u64, IsaExtId)> {
    let first = u64::from(word.get()) * 64;
    (0..64u32)
        .map_while(move |bit| IsaExtId::new(first + u64::from(bit)).map(|id| (1u64 << bit, id)))
}

/// Reads ISA_EXT MULTI_EN word `word`: bit `n` set when KVM id
/// `64 * word + n` is on the host and enabled on the vCPU (640-661).
/// MULTI_DIS reads as its complement, unused bits included (709).
pub fn ext_get_multi(vcpu: &VcpuIsa, host: &HostIsa, word: IsaWord) -> u64 {
    word_exts(word)
        .filter(|&(_, id)| ext_get(vcpu, host, id) == Ok(1))
        .fold(0, |acc, (bit, _)| acc | bit)
}

/// Writes ISA_EXT MULTI_EN (`enable`) or MULTI_DIS (`!enable`) word
/// `word` (663-681): an [`ext_set`] of 1 or 0 for each set bit of `value`
/// that names a KVM id, ignoring each one's error (677), so this never
/// fails, not even after the vCPU ran.
pub fn ext_set_multi(
    vcpu: &mut VcpuIsa,
    host: &HostIsa,
    word: IsaWord,
    value: u64,
    enable: bool,
    ran: bool,
    vector_allowed: bool,
) -> IsaWrite {
    let mut done = IsaWrite::Unchanged;
    for (bit, id) in word_exts(word) {
        if value & bit != 0 {
            if let Ok(w) = ext_set(vcpu, host, id, u64::from(enable), ran, vector_allowed) {
                done = done.or(w);
            }
        }
    }
    done
}

/// Reads ISA_EXT register `reg` (683-722, after the id checks).
pub fn get_reg(vcpu: &VcpuIsa, host: &HostIsa, reg: IsaExtReg) -> Result<u64, IsaError> {
    match reg {
        IsaExtReg::Single(id) => ext_get(vcpu, host, id),
        IsaExtReg::MultiEn(w) => Ok(ext_get_multi(vcpu, host, w)),
        IsaExtReg::MultiDis(w) => Ok(!ext_get_multi(vcpu, host, w)),
    }
}

/// Writes ISA_EXT register `reg` (724-757, after the id checks).
pub fn set_reg(
    vcpu: &mut VcpuIsa,
    host: &HostIsa,
    reg: IsaExtReg,
    value: u64,
    ran: bool,
    vector_allowed: bool,
) -> Result<IsaWrite, IsaError> {
    match reg {
        IsaExtReg::Single(id) => ext_set(vcpu, host, id, value, ran, vector_allowed),
        IsaExtReg::MultiEn(w) => Ok(ext_set_multi(
            vcpu,
            host,
            w,
            value,
            true,
            ran,
            vector_allowed,
        )),
        IsaExtReg::MultiDis(w) => Ok(ext_set_multi(
            vcpu,
            host,
            w,
            value,
            false,
            ran,
            vector_allowed,
        )),
    }
}
