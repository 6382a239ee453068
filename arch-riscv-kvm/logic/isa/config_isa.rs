// SPDX-License-Identifier: GPL-2.0

//! The CONFIG `isa` register: the vCPU's single-letter extensions.

use super::error::IsaError;
use super::host_ext_id::{HostExtId, RISCV_ISA_EXT_BASE};
use super::host_isa::HostIsa;
use super::isa_write::IsaWrite;
use super::kvm_ext::IsaExt;
use super::policy::{disable_allowed, enable_allowed};
use super::vcpu_isa::VcpuIsa;

/// The single-letter bits of ISA word 0 (`KVM_RISCV_BASE_ISA_MASK`,
/// `GENMASK(25, 0)`): what the CONFIG `isa` register shows and changes.
pub const KVM_RISCV_BASE_ISA_MASK: u64 = (1 << RISCV_ISA_EXT_BASE) - 1;

/// Value of the CONFIG `isa` register: the enabled single letters, bit
/// `letter - 'a'` (217-218).
pub const fn config_isa_value(vcpu: &VcpuIsa) -> u64 {
    vcpu.0[0] & KVM_RISCV_BASE_ISA_MASK
}

/// Writes the CONFIG `isa` register (274-306).
///
/// In upstream order:
///
/// 1. `EINVAL` if `fls(value) >= RISCV_ISA_EXT_BASE` (274). `fls()` takes
///    an `unsigned int`, so this rejects bits 25..=31 (`z` included) and
///    lets bits 32..=63 through, to be dropped in step 4.
/// 2. No-op if `value` equals [`config_isa_value`] (281), even after the
///    vCPU ran.
/// 3. `EBUSY` if the vCPU ran (306).
/// 4. Otherwise `value` is coerced, never rejected (286-303): letters KVM
///    does not expose are cleared, letters [`enable_allowed`] refuses are
///    cleared, letters [`disable_allowed`] refuses are set, the result is
///    masked with the host's word 0 and replaces the vCPU's single
///    letters; multi-letter extensions stay as they are. The result is
///    [`IsaWrite::Written`] even when the set did not change.
pub fn set_config_isa(
    vcpu: &mut VcpuIsa,
    host: &HostIsa,
    value: u64,
    ran: bool,
    vector_allowed: bool,
) -> Result<IsaWrite, IsaError> {
    // The truncation is upstream's: fls() sees only the low 32 bits.
    if (value as u32) >> (RISCV_ISA_EXT_BASE - 1) != 0 {
        return Err(IsaError::Invalid);
    }
    if value == config_isa_value(vcpu) {
        return Ok(IsaWrite::Unchanged);
    }
    if ran {
        return Err(IsaError::Busy);
    }
    let mut v = value;
    let mut letter = 0;
    while letter < RISCV_ISA_EXT_BASE {
        let bit = 1u64 << letter;
        match HostExtId::new(letter).and_then(IsaExt::from_host) {
            None => v &= !bit,
            Some(ext) => {
                // Enable first, then disable, as upstream: a letter refused
                // both ways would end up set (there is none in 6.12).
                if !enable_allowed(ext, host, vector_allowed) {
                    v &= !bit;
                }
                if !disable_allowed(ext, host) {
                    v |= bit;
                }
            }
        }
        letter += 1;
    }
    v &= host.base();
    vcpu.0[0] = (vcpu.0[0] & !KVM_RISCV_BASE_ISA_MASK) | (v & KVM_RISCV_BASE_ISA_MASK);
    Ok(IsaWrite::Written)
}
