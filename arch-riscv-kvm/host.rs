// SPDX-License-Identifier: GPL-2.0

//! What the host CPU offers KVM, probed once at load, and the per-CPU
//! hypervisor setup done when virtualization is enabled on a CPU.

use core::ptr::null_mut;
use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};
use kernel::prelude::*;
use kernel::sync::{new_spinlock, SpinLock};

use crate::csr;
use crate::glue::{self, NoPreempt};
use crate::logic::gstage::GStageMode;
use crate::logic::isa::{self, HostIsa};
use crate::logic::vmid::{self, VmidAssignment, VmidSpace};
use crate::print::kvm_info;

/// Exceptions taken in VS-mode directly: misaligned fetch, breakpoint,
/// U-mode ecall and the three page faults.
pub(crate) const HEDELEG_DEFAULT: usize =
    (1 << 0) | (1 << 3) | (1 << 8) | (1 << 12) | (1 << 13) | (1 << 15);

/// Interrupts delivered to VS-mode directly: VS software, timer, external.
const HIDELEG_DEFAULT: usize = (1 << 2) | (1 << 6) | (1 << 10);

/// Only the `time` counter is read directly by the guest; every other
/// counter traps so the host can emulate it.
const HCOUNTEREN_TM: usize = 1 << 1;

/// SBI RFENCE extension ID ("RFNC"); remote HFENCEs need it.
const SBI_EXT_RFENCE: i32 = 0x5246_4e43;

/// What the host offers, fixed at load.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HostCaps {
    /// G-stage page table format every VM uses.
    pub(crate) gstage: GStageMode,
    /// Usable VMID bits (0: all VMs share VMID 0).
    pub(crate) vmid_bits: u32,
    /// ISA extensions common to all harts.
    pub(crate) isa: HostIsa,
    /// Zicbom / Zicboz block sizes, as guests must see them.
    pub(crate) cbom_block_size: u64,
    pub(crate) cboz_block_size: u64,
    /// The host's satp mode (`satp.MODE`), which guests get too.
    pub(crate) satp_mode: u64,
    /// Frequency of the `time` counter.
    pub(crate) timebase: u64,
}

// Published by `publish()` before `kvm_init()` creates /dev/kvm and never
// changed afterwards, so every VM and vCPU sees the final values.
static GSTAGE_LEVELS: AtomicU32 = AtomicU32::new(3);
static VMID_BITS: AtomicU32 = AtomicU32::new(0);
static ISA: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];
static CBOM_BLOCK_SIZE: AtomicU64 = AtomicU64::new(0);
static CBOZ_BLOCK_SIZE: AtomicU64 = AtomicU64::new(0);
static SATP_MODE: AtomicU64 = AtomicU64::new(0);

/// The host's `satp` MODE alone, for the vCPU put path (one load, not
/// the whole of [`HostCaps::get`]).
pub(crate) fn satp_mode() -> u64 {
    SATP_MODE.load(Ordering::Acquire)
}
static TIMEBASE: AtomicU64 = AtomicU64::new(0);

/// Usable VMID bits alone, for the run loop's entry (one load, not the
/// whole of [`HostCaps::get`], whose copy cost 60 instructions there).
pub(crate) fn vmid_bits() -> u32 {
    VMID_BITS.load(Ordering::Acquire)
}

/// The `time` counter's frequency alone, for the timer paths.
pub(crate) fn timebase() -> u64 {
    TIMEBASE.load(Ordering::Acquire)
}

/// The host's `time` counter.
pub(crate) fn read_time() -> u64 {
    csr::read::<csr::Time>() as u64
}

impl HostCaps {
    /// The capabilities found at load.
    pub(crate) fn get() -> HostCaps {
        let gstage = match GSTAGE_LEVELS.load(Ordering::Acquire) {
            5 => GStageMode::Sv57x4,
            4 => GStageMode::Sv48x4,
            _ => GStageMode::Sv39x4,
        };
        HostCaps {
            gstage,
            vmid_bits: vmid_bits(),
            isa: HostIsa(ISA.each_ref().map(|w| w.load(Ordering::Acquire))),
            cbom_block_size: CBOM_BLOCK_SIZE.load(Ordering::Acquire),
            cboz_block_size: CBOZ_BLOCK_SIZE.load(Ordering::Acquire),
            satp_mode: satp_mode(),
            timebase: timebase(),
        }
    }

    fn publish(self) {
        for (w, v) in ISA.iter().zip(self.isa.0) {
            w.store(v, Ordering::Release);
        }
        CBOM_BLOCK_SIZE.store(self.cbom_block_size, Ordering::Release);
        CBOZ_BLOCK_SIZE.store(self.cboz_block_size, Ordering::Release);
        SATP_MODE.store(self.satp_mode, Ordering::Release);
        TIMEBASE.store(self.timebase, Ordering::Release);
        VMID_BITS.store(self.vmid_bits, Ordering::Release);
        GSTAGE_LEVELS.store(self.gstage.levels(), Ordering::Release);
    }

    /// Checks that the host can run KVM, probes its G-stage format and
    /// VMID width, logs them as the C backend does and publishes them.
    pub(crate) fn probe() -> Result<HostCaps> {
        if !glue::host_has_extension(b'h') {
            kvm_info!("hypervisor extension not available");
            return Err(ENODEV);
        }
        let sbi_version = glue::sbi_spec_version();
        // v0.1 is major 0, minor 1; everything later has a larger encoding.
        if sbi_version <= 1 {
            kvm_info!("require SBI v0.2 or higher");
            return Err(ENODEV);
        }
        if !glue::sbi_probe_extension(SBI_EXT_RFENCE) {
            kvm_info!("require SBI RFENCE extension");
            return Err(ENODEV);
        }

        let (cbom_block_size, cboz_block_size, satp, timebase) = glue::boot_params();
        let caps = {
            // Probing writes this CPU's hgatp and reads it back: stay on it.
            let cpu = NoPreempt::new();
            let gstage = probe_gstage_mode(&cpu);
            let implemented = probe_vmid_bits(&cpu);
            // The probes left translations tagged with junk VMIDs behind.
            csr::local_hfence_gvma_all();
            HostCaps {
                gstage,
                vmid_bits: vmid::usable_bits(implemented, glue::num_possible_cpus()),
                isa: host_isa(),
                cbom_block_size,
                cboz_block_size,
                satp_mode: satp >> SATP_MODE_SHIFT,
                timebase,
            }
        };

        kvm_info!("hypervisor extension available");
        kvm_info!("using {} G-stage page table format", caps.gstage.name());
        kvm_info!("VMID {} bits available", caps.vmid_bits);
        caps.publish();
        Ok(caps)
    }
}

/// `satp.MODE` field position on RV64.
const SATP_MODE_SHIFT: u64 = 60;

/// The ISA extensions every hart has.
fn host_isa() -> HostIsa {
    let mut isa = HostIsa([0; 2]);
    for id in 0..isa::RISCV_ISA_EXT_MAX {
        if glue::host_extension_available(id) {
            if let Some(ext) = isa::HostExtId::new(id) {
                isa = isa.with(ext);
            }
        }
    }
    isa
}

/// Writes `value` to `hgatp` and returns what stuck, leaving `hgatp` Bare
/// (0), as it is outside a guest. For the probes, with preemption off.
fn hgatp_readback(_cpu: &NoPreempt, value: u64) -> u64 {
    // SAFETY: hgatp only steers guest translation and HLV/HSV, which nothing
    // issues during module init; the value is cleared again below, on this
    // CPU (`_cpu`).
    unsafe { csr::write_unchecked::<csr::Hgatp>(value as usize) };
    let readback = csr::read::<csr::Hgatp>() as u64;
    // SAFETY: As above; Bare is what hgatp holds outside a guest.
    unsafe { csr::write_unchecked::<csr::Hgatp>(0) };
    readback
}

/// Widest G-stage format `hgatp` accepts. Sv39x4 is mandatory with H.
fn probe_gstage_mode(cpu: &NoPreempt) -> GStageMode {
    GStageMode::PROBE_ORDER
        .into_iter()
        .find(|&mode| GStageMode::from_hgatp(hgatp_readback(cpu, mode.probe_value())) == Some(mode))
        .unwrap_or(GStageMode::Sv39x4)
}

/// VMID bits the hardware implements: write all ones, count what sticks.
fn probe_vmid_bits(cpu: &NoPreempt) -> u32 {
    vmid::implemented_bits(hgatp_readback(cpu, vmid::HGATP_VMID_MASK))
}

/// Sets this CPU up to run guests (`kvm_arch_enable_virtualization_cpu`).
#[no_mangle]
extern "C" fn kvm_arch_enable_virtualization_cpu() -> kernel::ffi::c_int {
    csr::write::<csr::Hedeleg>(HEDELEG_DEFAULT);
    // SAFETY: Delegating the VS-level interrupts sends them to VS-mode, which
    // only runs guests; generic KVM calls this with preemption disabled.
    // From here on `GuestCsr`'s premise holds on this CPU.
    unsafe { csr::write_unchecked::<csr::Hideleg>(HIDELEG_DEFAULT) };
    csr::write::<csr::Hcounteren>(HCOUNTEREN_TM);
    csr::write::<csr::Hvip>(0);
    csr::write::<csr::Henvcfg>(0);
    if let Some(aia) = csr::Ssaia::on_host(&HostCaps::get().isa) {
        // The guests' counter-overflow interrupt is `hvip`'s to inject
        // (pmu.rs), where the host has Sscofpmf.
        aia.write_hvien(hvien_default());
    }
    0
}

/// `hvien` while guests may run: LCOFI with Sscofpmf on the host
/// (upstream's `kvm_riscv_aia_enable()`).
fn hvien_default() -> usize {
    let sscofpmf = HostCaps::get().isa.has(isa::HostExtId::SSCOFPMF);
    if sscofpmf {
        1 << crate::logic::irq::IRQ_LCOFI
    } else {
        0
    }
}

/// Undoes `kvm_arch_enable_virtualization_cpu()` on this CPU.
#[no_mangle]
extern "C" fn kvm_arch_disable_virtualization_cpu() {
    // hvip and vsie are cleared before hideleg: with hideleg cleared first,
    // an interrupt still pending in hvip and enabled in vsie would reach the
    // host as a spurious interrupt.
    csr::write::<csr::Vsie>(0);
    csr::write::<csr::Hvip>(0);
    csr::write::<csr::Hedeleg>(0);
    // SAFETY: No VS-level interrupt is pending or enabled any more (just
    // above), so none can reach the host once they are not delegated.
    unsafe { csr::write_unchecked::<csr::Hideleg>(0) };
    csr::write::<csr::Henvcfg>(0);
    if let Some(aia) = csr::Ssaia::on_host(&HostCaps::get().isa) {
        aia.write_hvien(0);
    }
}

/// The host-wide VMID allocator.
#[pin_data]
pub(crate) struct Vmids {
    #[pin]
    space: SpinLock<VmidSpace>,
    /// The allocator's current version, readable without the lock so the
    /// run loop can check a VM's VMID on every entry.
    version: AtomicU64,
    bits: u32,
}

// Published by `Vmids::install()` before `kvm_init()` and cleared after
// `kvm_exit()`, so every VM sees it.
static VMIDS: AtomicPtr<Vmids> = AtomicPtr::new(null_mut());

impl Vmids {
    /// A fresh allocator for `bits` usable VMID bits.
    pub(crate) fn new(bits: u32) -> impl PinInit<Self> {
        let space = VmidSpace::new(bits);
        let version = space_version(&space);
        pin_init!(Vmids {
            space <- new_spinlock!(space, "Vmids::space"),
            version: AtomicU64::new(version),
            bits,
        })
    }

    /// Makes `this` the allocator VMs use until `uninstall()`.
    ///
    /// # Safety
    ///
    /// `this` must stay alive until `uninstall()` (and no VM may exist
    /// after it): [`Vmids::get`] hands out `'static` references to it.
    pub(crate) unsafe fn install(this: &Pin<KBox<Vmids>>) {
        let ptr: *const Vmids = &**this;
        VMIDS.store(ptr.cast_mut(), Ordering::Release);
    }

    /// Stops using the installed allocator; called after `kvm_exit()`.
    pub(crate) fn uninstall() {
        VMIDS.store(null_mut(), Ordering::Release);
    }

    /// The installed allocator.
    pub(crate) fn get() -> Option<&'static Vmids> {
        let ptr = VMIDS.load(Ordering::Acquire);
        // SAFETY: Non-null only between install() and uninstall(), which
        // bracket every VM's life: the module owns the allocator until
        // after kvm_exit().
        unsafe { ptr.as_ref() }
    }

    /// Whether a VM holding VMID `version` may keep it.
    pub(crate) fn is_current(&self, version: u64) -> bool {
        self.bits == 0 || version == self.version.load(Ordering::Acquire)
    }

    /// Gives the VM whose VMID lives in `vmid`/`version` a fresh VMID
    /// unless another of its vCPUs already did. Both are read and written
    /// under the allocator lock, VMID first, so whoever sees the new
    /// version sees its VMID. On rollover, flushes every CPU's guest TLBs.
    /// Returns whether the VM got a new VMID.
    pub(crate) fn assign(&self, vmid: &AtomicU64, version: &AtomicU64) -> bool {
        let mut space = self.space.lock();
        if space.is_current(version.load(Ordering::Acquire)) {
            return false;
        }
        let a: VmidAssignment = space.allocate();
        vmid.store(a.vmid, Ordering::Release);
        version.store(a.version, Ordering::Release);
        self.version.store(a.version, Ordering::Release);
        if a.rolled_over {
            // Every VMID handed out before is stale now: no CPU may keep
            // translations tagged with them.
            glue::on_each_cpu(csr::local_hfence_gvma_all);
        }
        true
    }
}

fn space_version(space: &VmidSpace) -> u64 {
    // A fresh space's first allocation has the version `is_current()`
    // accepts; a VM starts with UNASSIGNED_VERSION, which is never it.
    let mut probe = VmidSpace::new(space.bits());
    probe.allocate().version
}

crate::exports::c_prototypes! {
    kvm_arch_enable_virtualization_cpu();
    kvm_arch_disable_virtualization_cpu();
}
