// SPDX-License-Identifier: GPL-2.0

//! `KVM_{GET,SET}_ONE_REG` and `KVM_GET_REG_LIST`.
//!
//! `logic::onereg` decides which ids exist and which errno a bad one gets,
//! `logic::isa` the ISA rules; this module reads and writes the values.
//! These ioctls run under the vCPU mutex with the vCPU not loaded, so the
//! whole state is at hand (`OwnedVcpu::unloaded`).

use kernel::bindings;
use kernel::ffi::c_long;
use kernel::prelude::*;
use kernel::uaccess::UserSlice;

use crate::context::sstatus;
use crate::glue;
use crate::host::HostCaps;
use crate::logic::isa::{self, IsaWrite};
use crate::logic::onereg::{
    self, ConfigReg, CoreReg, CsrReg, FpReg, GeneralCsr, RegId, SbiExtReg, SbiExtStatus,
    SbiStateReg, StaReg, TimerReg, VReg, VcpuDesc, VectorReg,
};
use crate::logic::vscsr::Vsstatus;
use crate::vcpu::{OwnedVcpu, Vcpu, VSIP_TO_HVIP_SHIFT, VSIP_VALID_MASK};
use crate::vcpu_context::{LoadState, VcpuContext};
use crate::vm::Vm;

/// `KVM_REG_RISCV_CORE` mode values.
const MODE_S: u64 = 1;
const MODE_U: u64 = 0;

fn errno(e: u32) -> c_long {
    -(e as c_long)
}

/// The `VcpuDesc` the id checks need.
fn desc(ctx: &VcpuContext, load: &LoadState) -> VcpuDesc {
    VcpuDesc {
        host_isa: isa::kvm_isa_bitmap(&HostCaps::get().isa),
        isa: isa::vcpu_kvm_isa_bitmap(&ctx.isa),
        sbi: ctx.sbi,
        vlenb: load.vector.as_ref().map_or(0, |v| v.guest().vlenb() as u64),
    }
}

/// Vector data register `reg` of the guest, to write: `vlenb` bytes, more
/// than the `u64` the other registers move through.
fn vector_data(load: &mut LoadState, reg: VReg) -> Result<&mut [u8]> {
    load.vector
        .as_mut()
        .and_then(|v| v.guest_mut().reg_mut(reg.get() as usize))
        .ok_or(ENOENT)
}

/// `KVM_GET_ONE_REG` / `KVM_SET_ONE_REG` / `KVM_GET_REG_LIST`;
/// `None` for other ioctls.
pub(crate) fn ioctl(v: &mut OwnedVcpu<'_>, cmd: u32, arg: usize) -> Option<c_long> {
    const GET: u32 = kernel::ioctl::_IOW::<bindings::kvm_one_reg>(0xae, 0xab);
    const SET: u32 = kernel::ioctl::_IOW::<bindings::kvm_one_reg>(0xae, 0xac);
    const LIST: u32 = kernel::ioctl::_IOWR::<bindings::kvm_reg_list>(0xae, 0xb0);
    Some(match cmd {
        GET | SET => {
            // struct kvm_one_reg: u64 id, u64 addr.
            let mut reader = UserSlice::new(arg as _, 16).reader();
            let (Ok(id), Ok(addr)) = (reader.read::<u64>(), reader.read::<u64>()) else {
                return Some(errno(bindings::EFAULT));
            };
            let reg = bindings::kvm_one_reg { id, addr };
            let r = if cmd == GET {
                get(v, &reg)
            } else {
                set(v, &reg)
            };
            match r {
                Ok(()) => 0,
                Err(e) => e.to_errno() as c_long,
            }
        }
        LIST => reg_list(v, arg),
        _ => return None,
    })
}

fn id_error(e: onereg::RegIdError) -> Error {
    Error::from_errno(e.to_errno())
}

fn get(v: &mut OwnedVcpu<'_>, reg: &bindings::kvm_one_reg) -> Result {
    let vcpu = v.vcpu();
    let (ctx, load) = v.unloaded().ok_or(EBUSY)?;
    let id = onereg::lookup(reg.id, &desc(ctx, load))
        .map_err(id_error)?
        .clamped(glue::array_index_nospec);
    if let RegId::Vector(VectorReg::V { reg: n, .. }) = id {
        // lookup() checked the size is vlenb.
        let data = load
            .vector
            .as_ref()
            .and_then(|v| v.guest().reg(n.get() as usize))
            .ok_or(ENOENT)?;
        return UserSlice::new(reg.addr as _, data.len())
            .writer()
            .write_slice(data);
    }
    let value = read(vcpu, ctx, load, id)?;
    let size = id.size() as usize;
    let bytes = value.to_le_bytes();
    let mut writer = UserSlice::new(reg.addr as _, size).writer();
    writer.write_slice(bytes.get(..size).ok_or(EINVAL)?)
}

fn set(v: &mut OwnedVcpu<'_>, reg: &bindings::kvm_one_reg) -> Result {
    let vcpu = v.vcpu();
    let (ctx, load) = v.unloaded().ok_or(EBUSY)?;
    let d = desc(ctx, load);
    onereg::set_precheck(reg.id, &d, ctx.ran_atleast_once).map_err(id_error)?;
    if let Ok(RegId::Vector(VectorReg::V { reg: n, .. })) = onereg::lookup(reg.id, &d) {
        // lookup() checked the size is vlenb: read straight into the
        // register, never through a buffer of another size (upstream's
        // stack overrun, 799766208f09, was a vlenb copied into a u64).
        let data = vector_data(load, n)?;
        return UserSlice::new(reg.addr as _, data.len())
            .reader()
            .read_slice(data);
    }
    let size = onereg::reg_size(reg.id) as usize;
    let mut bytes = [0u8; 8];
    let mut reader = UserSlice::new(reg.addr as _, size).reader();
    reader.read_slice(bytes.get_mut(..size).ok_or(EINVAL)?)?;
    let value = u64::from_le_bytes(bytes);
    let id = onereg::lookup_set(reg.id, value, &d)
        .map_err(id_error)?
        .clamped(glue::array_index_nospec);
    write(vcpu, ctx, load, id, value)
}

fn read(v: &Vcpu, ctx: &VcpuContext, load: &LoadState, id: RegId) -> Result<u64> {
    let caps = HostCaps::get();
    let g = &ctx.sw.guest;
    Ok(match id {
        RegId::Config(c) => match c {
            ConfigReg::Isa => isa::config_isa_value(&ctx.isa),
            ConfigReg::ZicbomBlockSize => caps.cbom_block_size,
            ConfigReg::ZicbozBlockSize => caps.cboz_block_size,
            ConfigReg::Mvendorid => ctx.mvendorid,
            ConfigReg::Marchid => ctx.marchid,
            ConfigReg::Mimpid => ctx.mimpid,
            ConfigReg::SatpMode => caps.satp_mode,
        },
        RegId::Core(c) => match c {
            CoreReg::Pc => g.sepc as u64,
            CoreReg::X(n) => g.x.get(n.get() as usize).copied().unwrap_or(0) as u64,
            CoreReg::Mode => {
                if g.sstatus & sstatus::SPP != 0 {
                    MODE_S
                } else {
                    MODE_U
                }
            }
        },
        RegId::Csr(CsrReg::General(c)) => {
            let s = &load.csr;
            (match c {
                GeneralCsr::Sstatus => s.vsstatus.bits(),
                GeneralCsr::Sie => s.vsie,
                GeneralCsr::Stvec => s.vstvec,
                GeneralCsr::Sscratch => s.vsscratch,
                GeneralCsr::Sepc => s.vsepc,
                GeneralCsr::Scause => s.vscause,
                GeneralCsr::Stval => s.vstval,
                // The VS-level bits of hvip, as the guest sees them in sip.
                GeneralCsr::Sip => (v.folded_hvip(s.hvip) >> VSIP_TO_HVIP_SHIFT) & VSIP_VALID_MASK,
                GeneralCsr::Satp => s.vsatp.bits(),
                GeneralCsr::Scounteren => g.scounteren,
                GeneralCsr::Senvcfg => s.senvcfg,
            }) as u64
        }
        // No AIA: its CSRs read as zero, as in the C backend without AIA.
        RegId::Csr(CsrReg::Aia(_)) => 0,
        RegId::Csr(CsrReg::Smstateen(_)) => ctx.sstateen0,
        RegId::Timer(t) => match t {
            TimerReg::Frequency => caps.timebase,
            TimerReg::Time => crate::host::read_time().wrapping_add(Vm::of_vcpu(v).time_delta()),
            TimerReg::Compare => v.timer().next(),
            TimerReg::State => u64::from(v.timer().is_set()),
        },
        RegId::FpF(r) | RegId::FpD(r) => {
            let single = matches!(id, RegId::FpF(_));
            match r {
                FpReg::Fcsr => u64::from(load.guest_fp.fcsr),
                FpReg::F(n) => {
                    let raw = load.guest_fp.f.get(n.get() as usize).copied().unwrap_or(0);
                    if single {
                        raw & 0xffff_ffff
                    } else {
                        raw
                    }
                }
            }
        }
        RegId::Vector(r) => {
            let v = load.vector.as_ref().ok_or(ENOENT)?;
            v.guest().csr(r).ok_or(ENOENT)? as u64
        }
        RegId::IsaExt(r) => isa::get_reg(&ctx.isa, &caps.isa, r).map_err(isa_error)?,
        RegId::SbiExt(r) => sbi_ext_get(ctx, r),
        RegId::SbiState(SbiStateReg::Sta(r)) => match r {
            StaReg::ShmemLo => ctx.sta_shmem,
            StaReg::ShmemHi => 0,
        },
    })
}

fn isa_error(e: isa::IsaError) -> Error {
    Error::from_errno(e.to_errno())
}

fn write(v: &Vcpu, ctx: &mut VcpuContext, load: &mut LoadState, id: RegId, value: u64) -> Result {
    let caps = HostCaps::get();
    let ran = ctx.ran_atleast_once;
    match id {
        RegId::Config(c) => match c {
            ConfigReg::Isa => {
                let w = isa::set_config_isa(&mut ctx.isa, &caps.isa, value, ran, vector_allowed())
                    .map_err(isa_error)?;
                isa_changed(ctx, load, w);
            }
            ConfigReg::ZicbomBlockSize if value != caps.cbom_block_size => return Err(EINVAL),
            ConfigReg::ZicbozBlockSize if value != caps.cboz_block_size => return Err(EINVAL),
            ConfigReg::SatpMode if value != caps.satp_mode => return Err(EINVAL),
            ConfigReg::ZicbomBlockSize | ConfigReg::ZicbozBlockSize | ConfigReg::SatpMode => {}
            ConfigReg::Mvendorid | ConfigReg::Marchid | ConfigReg::Mimpid => {
                let field = match c {
                    ConfigReg::Mvendorid => &mut ctx.mvendorid,
                    ConfigReg::Marchid => &mut ctx.marchid,
                    _ => &mut ctx.mimpid,
                };
                if *field != value && ran {
                    return Err(EBUSY);
                }
                *field = value;
            }
        },
        RegId::Core(c) => {
            let g = &mut ctx.sw.guest;
            match c {
                CoreReg::Pc => g.sepc = value as usize,
                CoreReg::X(n) => {
                    if let Some(r) = g.x.get_mut(n.get() as usize) {
                        *r = value as usize;
                    }
                }
                CoreReg::Mode => {
                    if value == MODE_S {
                        g.sstatus |= sstatus::SPP;
                    } else {
                        g.sstatus &= !sstatus::SPP;
                    }
                }
            }
        }
        RegId::Csr(CsrReg::General(c)) => {
            let value = value as usize;
            let s = &mut load.csr;
            match c {
                // Both WARL: the legal part of the value, as a hart would
                // keep it (and not more, see logic::vscsr).
                GeneralCsr::Sstatus => s.vsstatus = Vsstatus::new(value),
                GeneralCsr::Sie => s.vsie = value,
                GeneralCsr::Stvec => s.vstvec = value,
                GeneralCsr::Sscratch => s.vsscratch = value,
                GeneralCsr::Sepc => s.vsepc = value,
                GeneralCsr::Scause => s.vscause = value,
                GeneralCsr::Stval => s.vstval = value,
                GeneralCsr::Sip => {
                    // The whole of hvip, as the C backend does, and the
                    // change bits dropped: this value wins.
                    s.hvip = (value & VSIP_VALID_MASK) << VSIP_TO_HVIP_SHIFT;
                    v.clear_pending_changes();
                }
                GeneralCsr::Satp => s.vsatp = s.vsatp.written(value, caps.satp_mode),
                GeneralCsr::Scounteren => ctx.sw.guest.scounteren = value,
                GeneralCsr::Senvcfg => s.senvcfg = value,
            }
        }
        // Without AIA the writes are dropped, as in the C backend.
        RegId::Csr(CsrReg::Aia(_)) => {}
        RegId::Csr(CsrReg::Smstateen(_)) => ctx.sstateen0 = value,
        RegId::Timer(t) => match t {
            TimerReg::Frequency if value != caps.timebase => return Err(EINVAL),
            TimerReg::Frequency => {}
            TimerReg::Time => {
                Vm::of_vcpu(v).set_time_delta(value.wrapping_sub(crate::host::read_time()))
            }
            TimerReg::Compare => v.timer().set_next(value),
            TimerReg::State => {
                if value == u64::from(bindings::KVM_RISCV_TIMER_STATE_ON) {
                    v.set_timer(v.timer().next());
                } else {
                    v.timer().cancel();
                }
            }
        },
        RegId::FpF(r) | RegId::FpD(r) => match r {
            FpReg::Fcsr => load.guest_fp.fcsr = value as u32,
            FpReg::F(n) => {
                if let Some(f) = load.guest_fp.f.get_mut(n.get() as usize) {
                    *f = if matches!(id, RegId::FpF(_)) {
                        // NaN-boxed, as a 32-bit value sits in a 64-bit
                        // register.
                        (value & 0xffff_ffff) | 0xffff_ffff_0000_0000
                    } else {
                        value
                    };
                }
            }
        },
        RegId::Vector(r) => {
            let regs = load.vector.as_mut().ok_or(ENOENT)?.guest_mut();
            // vlenb is the host's: a write must keep it (vcpu_vector.c:
            // 188-197).
            if r == VectorReg::Vlenb {
                if regs.csr(r) != Some(value as usize) {
                    return Err(EINVAL);
                }
            } else if !regs.set_csr(r, value as usize) {
                return Err(ENOENT);
            }
        }
        RegId::IsaExt(r) => {
            let w = isa::set_reg(&mut ctx.isa, &caps.isa, r, value, ran, vector_allowed())
                .map_err(isa_error)?;
            isa_changed(ctx, load, w);
        }
        RegId::SbiExt(r) => sbi_ext_set(ctx, r, value)?,
        RegId::SbiState(SbiStateReg::Sta(r)) => match r {
            StaReg::ShmemLo => ctx.sta_shmem = value,
            StaReg::ShmemHi if value != 0 => return Err(EINVAL),
            StaReg::ShmemHi => {}
        },
    }
    Ok(())
}

/// Whether an ISA write may enable V: upstream asks whether the calling
/// task may use vector.
fn vector_allowed() -> bool {
    crate::vcpu_vector::user_allowed()
}

/// After an ISA write: the FP extensions decide whether the guest starts
/// with FP usable, as the C backend's FP reset does, and V whether it
/// starts with vector usable. Upstream resets only FP here, so a vCPU
/// whose V userspace turned off still ran with VS Initial from its
/// creation, with the CPU's vector registers in reach. The vector state
/// is reset only when V comes or goes: registers set through ONE_REG
/// before another ISA write keep their values, as upstream.
fn isa_changed(ctx: &VcpuContext, load: &mut LoadState, w: IsaWrite) {
    if !w.needs_fp_reset() {
        return;
    }
    load.fp = crate::vcpu_fp::fp_width(&ctx.isa);
    load.reset_fp();
    let has_v = ctx.isa.has(isa::HostExtId::V);
    if let Some(v) = load.vector.as_mut().filter(|v| v.is_on() != has_v) {
        v.reset(has_v);
    }
}

fn sbi_ext_get(ctx: &VcpuContext, r: SbiExtReg) -> u64 {
    let enabled = |i: usize| matches!(ctx.sbi.get(i), Some(SbiExtStatus::Enabled));
    match r {
        SbiExtReg::Single(id) => u64::from(enabled(id.get() as usize)),
        SbiExtReg::MultiEn(_) | SbiExtReg::MultiDis(_) => {
            let mut bits = 0u64;
            for i in 0..ctx.sbi.len() {
                if enabled(i) {
                    bits |= 1 << i;
                }
            }
            if matches!(r, SbiExtReg::MultiDis(_)) {
                !bits
            } else {
                bits
            }
        }
    }
}

fn sbi_ext_set(ctx: &mut VcpuContext, r: SbiExtReg, value: u64) -> Result {
    let mut apply = |i: usize, on: bool| {
        if let Some(s) = ctx.sbi.get_mut(i) {
            if *s != SbiExtStatus::Unavailable {
                *s = if on {
                    SbiExtStatus::Enabled
                } else {
                    SbiExtStatus::Disabled
                };
            }
        }
    };
    match r {
        SbiExtReg::Single(id) => apply(id.get() as usize, value == 1),
        SbiExtReg::MultiEn(_) | SbiExtReg::MultiDis(_) => {
            let on = matches!(r, SbiExtReg::MultiEn(_));
            for i in 0..crate::logic::onereg::KVM_RISCV_SBI_EXT_MAX as usize {
                if value & (1 << i) != 0 {
                    apply(i, on);
                }
            }
        }
    }
    Ok(())
}

fn reg_list(v: &mut OwnedVcpu<'_>, arg: usize) -> c_long {
    let Some((ctx, load)) = v.unloaded() else {
        return errno(bindings::EBUSY);
    };
    let d = desc(ctx, load);
    let count = onereg::reg_count(&d);
    // struct kvm_reg_list: u64 n, then n u64 ids.
    let header = core::mem::size_of::<u64>();
    let (mut reader, mut writer) = UserSlice::new(arg as _, header).reader_writer();
    let Ok(n) = reader.read::<u64>() else {
        return errno(bindings::EFAULT);
    };
    if writer.write(&(count as u64)).is_err() {
        return errno(bindings::EFAULT);
    }
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    if n < count {
        return errno(bindings::E2BIG);
    }
    let mut out = UserSlice::new((arg + header) as _, count * 8).writer();
    for id in onereg::reg_ids(&d) {
        if out.write(&id).is_err() {
            return errno(bindings::EFAULT);
        }
    }
    0
}
