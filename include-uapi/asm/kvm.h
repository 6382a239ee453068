/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * RISC-V half of the KVM userspace interface, included by <linux/kvm.h>.
 *
 * riscv-kvm-rs reimplements the Linux 6.12 RISC-V KVM backend, and QEMU,
 * kvmtool and the KVM selftests are built unmodified against this file.
 * Every name, number and structure layout below is therefore fixed by the
 * Linux 6.12 ABI: nothing may be renamed, renumbered, reordered or resized,
 * and new entries may only be appended.  scripts/check-uapi-abi.sh compares
 * this file against the upstream header.
 */

#ifndef __LINUX_KVM_RISCV_H
#define __LINUX_KVM_RISCV_H

#ifndef __ASSEMBLY__

#include <linux/types.h>
#include <asm/bitsperlong.h>	/* __BITS_PER_LONG, for the bitmap helpers */
#include <asm/ptrace.h>		/* user_regs_struct, FP and vector layouts */

/* ------------------------------------------------------------------------
 * Hooks expected by the generic <linux/kvm.h>
 * ------------------------------------------------------------------------ */

/* The VM fd accepts KVM_IRQ_LINE (it drives the in-kernel AIA sources). */
#define __KVM_HAVE_IRQ_LINE

/* Page of the vcpu mmap area that holds the coalesced MMIO ring. */
#define KVM_COALESCED_MMIO_PAGE_OFFSET 1

/*
 * Values for struct kvm_interrupt.irq.  KVM_INTERRUPT only drives the
 * vcpu's VS-level external interrupt line, so it can just be asserted or
 * deasserted; there is no interrupt number to pass.
 */
#define KVM_INTERRUPT_SET	-1U
#define KVM_INTERRUPT_UNSET	-2U

/*
 * All RISC-V vcpu state goes through KVM_{GET,SET}_ONE_REG.  The fixed
 * structures below are only needed so that <linux/kvm.h> (which embeds
 * some of them in kvm_run and kvm_guest_debug) compiles; they carry no
 * data and are zero-sized.
 */
struct kvm_regs {		/* KVM_{GET,SET}_REGS: unused */
};

struct kvm_fpu {		/* KVM_{GET,SET}_FPU: unused */
};

struct kvm_sregs {		/* KVM_{GET,SET}_SREGS: unused */
};

struct kvm_sync_regs {		/* kvm_run.s.regs: nothing synced */
};

struct kvm_debug_exit_arch {	/* kvm_run.debug.arch: unused */
};

struct kvm_guest_debug_arch {	/* KVM_SET_GUEST_DEBUG payload: unused */
};

/* ------------------------------------------------------------------------
 * ONE_REG register ids
 *
 * A RISC-V register id is built as
 *
 *   KVM_REG_RISCV | KVM_REG_SIZE_Uxx | <type> | <subtype> | <index>
 *
 * <type> (bits 31:24) picks one of the register classes below, <subtype>
 * (bits 23:16) splits a few of those classes further, and <index> (low
 * bits) selects the register.  For most classes <index> is the position of
 * the register inside the class's structure, counted in units of the
 * register width; the *_REG(field) helpers compute that position.
 * ------------------------------------------------------------------------ */

/* Width in bytes encoded in the KVM_REG_SIZE_* field of a register id. */
#define KVM_REG_SIZE(id)		\
	(1U << (((id) & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT))

#define KVM_REG_RISCV_TYPE_MASK		0x00000000FF000000
#define KVM_REG_RISCV_TYPE_SHIFT	24
#define KVM_REG_RISCV_SUBTYPE_MASK	0x0000000000FF0000
#define KVM_REG_RISCV_SUBTYPE_SHIFT	16

/*
 * Type 1: per-vcpu configuration.  "isa" is the bitmap of single-letter
 * extensions; the rest describe the hart (machine IDs, cache-block sizes
 * for the CMO extensions, satp translation mode).
 */
#define KVM_REG_RISCV_CONFIG		(0x01 << KVM_REG_RISCV_TYPE_SHIFT)
#define KVM_REG_RISCV_CONFIG_REG(name)	\
	(offsetof(struct kvm_riscv_config, name) / sizeof(unsigned long))

struct kvm_riscv_config {
	unsigned long isa;
	unsigned long zicbom_block_size;
	unsigned long mvendorid;
	unsigned long marchid;
	unsigned long mimpid;
	unsigned long zicboz_block_size;
	unsigned long satp_mode;
};

/*
 * Type 2: general purpose registers (pc at index 0, then x1..x31 in
 * ptrace order) followed by the privilege mode the vcpu runs in.
 */
#define KVM_REG_RISCV_CORE		(0x02 << KVM_REG_RISCV_TYPE_SHIFT)
#define KVM_REG_RISCV_CORE_REG(name)	\
	(offsetof(struct kvm_riscv_core, name) / sizeof(unsigned long))

struct kvm_riscv_core {
	struct user_regs_struct regs;
	unsigned long mode;
};

/* Values of kvm_riscv_core.mode: guest (VS or VU) privilege level. */
#define KVM_RISCV_MODE_S	1
#define KVM_RISCV_MODE_U	0

/*
 * Type 3: guest supervisor CSRs, i.e. the vs* copies as seen from inside
 * the guest.  The subtype selects the base set, the AIA additions or the
 * Smstateen additions, each indexed through its own structure.
 */
#define KVM_REG_RISCV_CSR		(0x03 << KVM_REG_RISCV_TYPE_SHIFT)
#define KVM_REG_RISCV_CSR_GENERAL	(0x0 << KVM_REG_RISCV_SUBTYPE_SHIFT)
#define KVM_REG_RISCV_CSR_AIA		(0x1 << KVM_REG_RISCV_SUBTYPE_SHIFT)
#define KVM_REG_RISCV_CSR_SMSTATEEN	(0x2 << KVM_REG_RISCV_SUBTYPE_SHIFT)
#define KVM_REG_RISCV_CSR_REG(name)	\
	(offsetof(struct kvm_riscv_csr, name) / sizeof(unsigned long))
#define KVM_REG_RISCV_CSR_AIA_REG(name)	\
	(offsetof(struct kvm_riscv_aia_csr, name) / sizeof(unsigned long))
#define KVM_REG_RISCV_CSR_SMSTATEEN_REG(name)	\
	(offsetof(struct kvm_riscv_smstateen_csr, name) / sizeof(unsigned long))

struct kvm_riscv_csr {			/* subtype KVM_REG_RISCV_CSR_GENERAL */
	unsigned long sstatus;
	unsigned long sie;
	unsigned long stvec;
	unsigned long sscratch;
	unsigned long sepc;
	unsigned long scause;
	unsigned long stval;
	unsigned long sip;
	unsigned long satp;
	unsigned long scounteren;
	unsigned long senvcfg;
};

/* The *h members are the upper halves used only by RV32 guests. */
struct kvm_riscv_aia_csr {		/* subtype KVM_REG_RISCV_CSR_AIA */
	unsigned long siselect;
	unsigned long iprio1;
	unsigned long iprio2;
	unsigned long sieh;
	unsigned long siph;
	unsigned long iprio1h;
	unsigned long iprio2h;
};

struct kvm_riscv_smstateen_csr {	/* subtype KVM_REG_RISCV_CSR_SMSTATEEN */
	unsigned long sstateen0;
};

/*
 * Type 4: the guest timer.  These are always 64 bits wide, whatever the
 * host XLEN, hence __u64 rather than unsigned long.
 */
#define KVM_REG_RISCV_TIMER		(0x04 << KVM_REG_RISCV_TYPE_SHIFT)
#define KVM_REG_RISCV_TIMER_REG(name)	\
	(offsetof(struct kvm_riscv_timer, name) / sizeof(__u64))

struct kvm_riscv_timer {
	__u64 frequency;	/* read-only: timebase frequency in Hz */
	__u64 time;		/* guest view of the time CSR */
	__u64 compare;		/* next timer deadline */
	__u64 state;		/* KVM_RISCV_TIMER_STATE_* */
};

/* Values of kvm_riscv_timer.state. */
#define KVM_RISCV_TIMER_STATE_OFF	0
#define KVM_RISCV_TIMER_STATE_ON	1

/*
 * Types 5 and 6: floating point state, indexed through the ptrace layouts
 * in <asm/ptrace.h> (f0..f31, then fcsr).  F uses 32-bit slots, D 64-bit
 * slots; fcsr is 32 bits wide in both.
 */
#define KVM_REG_RISCV_FP_F		(0x05 << KVM_REG_RISCV_TYPE_SHIFT)
#define KVM_REG_RISCV_FP_F_REG(name)	\
	(offsetof(struct __riscv_f_ext_state, name) / sizeof(__u32))

#define KVM_REG_RISCV_FP_D		(0x06 << KVM_REG_RISCV_TYPE_SHIFT)
#define KVM_REG_RISCV_FP_D_REG(name)	\
	(offsetof(struct __riscv_d_ext_state, name) / sizeof(__u64))

/*
 * Types 7 and 8: which ISA and SBI extensions the guest may use.
 *
 * With subtype *_SINGLE, <index> is one extension ID from the enums
 * below and the value is 0 or 1.  With *_MULTI_EN / *_MULTI_DIS, <index>
 * names an unsigned-long-sized word of a bitmap over those IDs; writing
 * it enables / disables every extension whose bit is set.
 */
#define KVM_REG_RISCV_ISA_EXT		(0x07 << KVM_REG_RISCV_TYPE_SHIFT)
#define KVM_REG_RISCV_ISA_SINGLE	(0x0 << KVM_REG_RISCV_SUBTYPE_SHIFT)
#define KVM_REG_RISCV_ISA_MULTI_EN	(0x1 << KVM_REG_RISCV_SUBTYPE_SHIFT)
#define KVM_REG_RISCV_ISA_MULTI_DIS	(0x2 << KVM_REG_RISCV_SUBTYPE_SHIFT)
#define KVM_REG_RISCV_ISA_MULTI_REG(__ext_id)	\
	((__ext_id) / __BITS_PER_LONG)
#define KVM_REG_RISCV_ISA_MULTI_MASK(__ext_id)	\
	(1UL << ((__ext_id) % __BITS_PER_LONG))
#define KVM_REG_RISCV_ISA_MULTI_REG_LAST	\
	KVM_REG_RISCV_ISA_MULTI_REG(KVM_RISCV_ISA_EXT_MAX - 1)

#define KVM_REG_RISCV_SBI_EXT		(0x08 << KVM_REG_RISCV_TYPE_SHIFT)
#define KVM_REG_RISCV_SBI_SINGLE	(0x0 << KVM_REG_RISCV_SUBTYPE_SHIFT)
#define KVM_REG_RISCV_SBI_MULTI_EN	(0x1 << KVM_REG_RISCV_SUBTYPE_SHIFT)
#define KVM_REG_RISCV_SBI_MULTI_DIS	(0x2 << KVM_REG_RISCV_SUBTYPE_SHIFT)
#define KVM_REG_RISCV_SBI_MULTI_REG(__ext_id)	\
	((__ext_id) / __BITS_PER_LONG)
#define KVM_REG_RISCV_SBI_MULTI_MASK(__ext_id)	\
	(1UL << ((__ext_id) % __BITS_PER_LONG))
#define KVM_REG_RISCV_SBI_MULTI_REG_LAST	\
	KVM_REG_RISCV_SBI_MULTI_REG(KVM_RISCV_SBI_EXT_MAX - 1)

/*
 * KVM's own numbering of ISA extensions.  It is neither the host kernel's
 * internal numbering nor anything from the ISA manuals, and it is kept
 * dense so it can index the bitmaps above directly.  The values are
 * written out so that an insertion cannot silently renumber later IDs.
 */
enum KVM_RISCV_ISA_EXT_ID {
	KVM_RISCV_ISA_EXT_A		= 0,
	KVM_RISCV_ISA_EXT_C		= 1,
	KVM_RISCV_ISA_EXT_D		= 2,
	KVM_RISCV_ISA_EXT_F		= 3,
	KVM_RISCV_ISA_EXT_H		= 4,
	KVM_RISCV_ISA_EXT_I		= 5,
	KVM_RISCV_ISA_EXT_M		= 6,
	KVM_RISCV_ISA_EXT_SVPBMT	= 7,
	KVM_RISCV_ISA_EXT_SSTC		= 8,
	KVM_RISCV_ISA_EXT_SVINVAL	= 9,
	KVM_RISCV_ISA_EXT_ZIHINTPAUSE	= 10,
	KVM_RISCV_ISA_EXT_ZICBOM	= 11,
	KVM_RISCV_ISA_EXT_ZICBOZ	= 12,
	KVM_RISCV_ISA_EXT_ZBB		= 13,
	KVM_RISCV_ISA_EXT_SSAIA		= 14,
	KVM_RISCV_ISA_EXT_V		= 15,
	KVM_RISCV_ISA_EXT_SVNAPOT	= 16,
	KVM_RISCV_ISA_EXT_ZBA		= 17,
	KVM_RISCV_ISA_EXT_ZBS		= 18,
	KVM_RISCV_ISA_EXT_ZICNTR	= 19,
	KVM_RISCV_ISA_EXT_ZICSR		= 20,
	KVM_RISCV_ISA_EXT_ZIFENCEI	= 21,
	KVM_RISCV_ISA_EXT_ZIHPM		= 22,
	KVM_RISCV_ISA_EXT_SMSTATEEN	= 23,
	KVM_RISCV_ISA_EXT_ZICOND	= 24,
	KVM_RISCV_ISA_EXT_ZBC		= 25,
	KVM_RISCV_ISA_EXT_ZBKB		= 26,
	KVM_RISCV_ISA_EXT_ZBKC		= 27,
	KVM_RISCV_ISA_EXT_ZBKX		= 28,
	KVM_RISCV_ISA_EXT_ZKND		= 29,
	KVM_RISCV_ISA_EXT_ZKNE		= 30,
	KVM_RISCV_ISA_EXT_ZKNH		= 31,
	KVM_RISCV_ISA_EXT_ZKR		= 32,
	KVM_RISCV_ISA_EXT_ZKSED		= 33,
	KVM_RISCV_ISA_EXT_ZKSH		= 34,
	KVM_RISCV_ISA_EXT_ZKT		= 35,
	KVM_RISCV_ISA_EXT_ZVBB		= 36,
	KVM_RISCV_ISA_EXT_ZVBC		= 37,
	KVM_RISCV_ISA_EXT_ZVKB		= 38,
	KVM_RISCV_ISA_EXT_ZVKG		= 39,
	KVM_RISCV_ISA_EXT_ZVKNED	= 40,
	KVM_RISCV_ISA_EXT_ZVKNHA	= 41,
	KVM_RISCV_ISA_EXT_ZVKNHB	= 42,
	KVM_RISCV_ISA_EXT_ZVKSED	= 43,
	KVM_RISCV_ISA_EXT_ZVKSH		= 44,
	KVM_RISCV_ISA_EXT_ZVKT		= 45,
	KVM_RISCV_ISA_EXT_ZFH		= 46,
	KVM_RISCV_ISA_EXT_ZFHMIN	= 47,
	KVM_RISCV_ISA_EXT_ZIHINTNTL	= 48,
	KVM_RISCV_ISA_EXT_ZVFH		= 49,
	KVM_RISCV_ISA_EXT_ZVFHMIN	= 50,
	KVM_RISCV_ISA_EXT_ZFA		= 51,
	KVM_RISCV_ISA_EXT_ZTSO		= 52,
	KVM_RISCV_ISA_EXT_ZACAS		= 53,
	KVM_RISCV_ISA_EXT_SSCOFPMF	= 54,
	KVM_RISCV_ISA_EXT_ZIMOP		= 55,
	KVM_RISCV_ISA_EXT_ZCA		= 56,
	KVM_RISCV_ISA_EXT_ZCB		= 57,
	KVM_RISCV_ISA_EXT_ZCD		= 58,
	KVM_RISCV_ISA_EXT_ZCF		= 59,
	KVM_RISCV_ISA_EXT_ZCMOP		= 60,
	KVM_RISCV_ISA_EXT_ZAWRS		= 61,
	KVM_RISCV_ISA_EXT_MAX		= 62,	/* count, not an extension */
};

/*
 * KVM's own numbering of the SBI extensions it can offer a guest; like
 * the ISA IDs this is unrelated to the SBI specification's extension IDs.
 */
enum KVM_RISCV_SBI_EXT_ID {
	KVM_RISCV_SBI_EXT_V01		= 0,	/* legacy v0.1 calls */
	KVM_RISCV_SBI_EXT_TIME		= 1,
	KVM_RISCV_SBI_EXT_IPI		= 2,
	KVM_RISCV_SBI_EXT_RFENCE	= 3,
	KVM_RISCV_SBI_EXT_SRST		= 4,
	KVM_RISCV_SBI_EXT_HSM		= 5,
	KVM_RISCV_SBI_EXT_PMU		= 6,
	KVM_RISCV_SBI_EXT_EXPERIMENTAL	= 7,	/* whole experimental range */
	KVM_RISCV_SBI_EXT_VENDOR	= 8,	/* whole vendor range */
	KVM_RISCV_SBI_EXT_DBCN		= 9,
	KVM_RISCV_SBI_EXT_STA		= 10,
	KVM_RISCV_SBI_EXT_MAX		= 11,	/* count, not an extension */
};

/*
 * Type 9: vector state.  <index> first walks the vector CSRs in the
 * ptrace layout (unsigned long slots); the 32 vector registers v0..v31
 * follow directly after that structure, each vlenb bytes wide.
 */
#define KVM_REG_RISCV_VECTOR		(0x09 << KVM_REG_RISCV_TYPE_SHIFT)
#define KVM_REG_RISCV_VECTOR_CSR_REG(name)	\
	(offsetof(struct __riscv_v_ext_state, name) / sizeof(unsigned long))
#define KVM_REG_RISCV_VECTOR_REG(n)	\
	((n) + sizeof(struct __riscv_v_ext_state) / sizeof(unsigned long))

/*
 * Type 10: state owned by individual SBI extensions, one subtype per
 * extension.  Subtype 0 is the steal-time accounting (STA) shared memory
 * address, split into low and high halves as in the SBI call.
 */
#define KVM_REG_RISCV_SBI_STATE		(0x0a << KVM_REG_RISCV_TYPE_SHIFT)
#define KVM_REG_RISCV_SBI_STA		(0x0 << KVM_REG_RISCV_SUBTYPE_SHIFT)
#define KVM_REG_RISCV_SBI_STA_REG(name)	\
	(offsetof(struct kvm_riscv_sbi_sta, name) / sizeof(unsigned long))

struct kvm_riscv_sbi_sta {
	unsigned long shmem_lo;
	unsigned long shmem_hi;
};

/* ------------------------------------------------------------------------
 * In-kernel AIA irqchip (KVM_DEV_TYPE_RISCV_AIA), driven through
 * KVM_{SET,GET,HAS}_DEVICE_ATTR.  Attribute groups come first, each
 * followed by the attributes and limits that belong to it.
 * ------------------------------------------------------------------------ */

/* MMIO geometry of the APLIC and of one IMSIC interrupt file. */
#define KVM_DEV_RISCV_APLIC_ALIGN		0x1000
#define KVM_DEV_RISCV_APLIC_SIZE		0x4000
#define KVM_DEV_RISCV_APLIC_MAX_HARTS		0x4000
#define KVM_DEV_RISCV_IMSIC_ALIGN		0x1000
#define KVM_DEV_RISCV_IMSIC_SIZE		0x1000

/* Group 0: device-wide parameters, fixed before the device is initialised. */
#define KVM_DEV_RISCV_AIA_GRP_CONFIG		0
#define KVM_DEV_RISCV_AIA_CONFIG_MODE		0
#define KVM_DEV_RISCV_AIA_CONFIG_IDS		1
#define KVM_DEV_RISCV_AIA_CONFIG_SRCS		2
#define KVM_DEV_RISCV_AIA_CONFIG_GROUP_BITS	3
#define KVM_DEV_RISCV_AIA_CONFIG_GROUP_SHIFT	4
#define KVM_DEV_RISCV_AIA_CONFIG_HART_BITS	5
#define KVM_DEV_RISCV_AIA_CONFIG_GUEST_BITS	6

/*
 * Values of KVM_DEV_RISCV_AIA_CONFIG_MODE, i.e. how guest IMSIC files
 * are provided: always trapped and emulated in software, always backed
 * by hardware guest interrupt files, or hardware when a free guest file
 * exists and emulation otherwise.
 */
#define KVM_DEV_RISCV_AIA_MODE_EMUL		0
#define KVM_DEV_RISCV_AIA_MODE_HWACCEL		1
#define KVM_DEV_RISCV_AIA_MODE_AUTO		2

/* Accepted ranges for the other CONFIG attributes. */
#define KVM_DEV_RISCV_AIA_IDS_MIN		63
#define KVM_DEV_RISCV_AIA_IDS_MAX		2048
#define KVM_DEV_RISCV_AIA_SRCS_MAX		1024
#define KVM_DEV_RISCV_AIA_GROUP_BITS_MAX	8
#define KVM_DEV_RISCV_AIA_GROUP_SHIFT_MIN	24
#define KVM_DEV_RISCV_AIA_GROUP_SHIFT_MAX	56
#define KVM_DEV_RISCV_AIA_HART_BITS_MAX		16
#define KVM_DEV_RISCV_AIA_GUEST_BITS_MAX	8

/*
 * Group 1: guest physical base addresses.  Attribute 0 is the APLIC;
 * attribute 1 + N is the IMSIC of vcpu N.
 */
#define KVM_DEV_RISCV_AIA_GRP_ADDR		1
#define KVM_DEV_RISCV_AIA_ADDR_APLIC		0
#define KVM_DEV_RISCV_AIA_ADDR_IMSIC(__vcpu)	(1 + (__vcpu))
#define KVM_DEV_RISCV_AIA_ADDR_MAX		\
	(1 + KVM_DEV_RISCV_APLIC_MAX_HARTS)

/* Group 2: control operations; INIT finalises the configuration. */
#define KVM_DEV_RISCV_AIA_GRP_CTRL		2
#define KVM_DEV_RISCV_AIA_CTRL_INIT		0

/*
 * Group 3: raw APLIC register access, used for save/restore.  The
 * attribute is the register's byte offset in the APLIC window
 * (0x0000..0x3fff) and must be a multiple of 4.
 */
#define KVM_DEV_RISCV_AIA_GRP_APLIC		3

/*
 * Group 4: raw IMSIC register access, used for save/restore.  The
 * attribute packs the target vcpu above the low 12 bits, which hold the
 * indirect register number (siselect value, 0x70..0xff).
 */
#define KVM_DEV_RISCV_AIA_GRP_IMSIC		4
#define KVM_DEV_RISCV_AIA_IMSIC_ISEL_BITS	12
#define KVM_DEV_RISCV_AIA_IMSIC_ISEL_MASK	\
	((1U << KVM_DEV_RISCV_AIA_IMSIC_ISEL_BITS) - 1)
#define KVM_DEV_RISCV_AIA_IMSIC_MKATTR(__vcpu, __isel)	\
	(((__vcpu) << KVM_DEV_RISCV_AIA_IMSIC_ISEL_BITS) | \
	 ((__isel) & KVM_DEV_RISCV_AIA_IMSIC_ISEL_MASK))
#define KVM_DEV_RISCV_AIA_IMSIC_GET_ISEL(__attr)	\
	((__attr) & KVM_DEV_RISCV_AIA_IMSIC_ISEL_MASK)
#define KVM_DEV_RISCV_AIA_IMSIC_GET_VCPU(__attr)	\
	((__attr) >> KVM_DEV_RISCV_AIA_IMSIC_ISEL_BITS)

/* The AIA is the only in-kernel irqchip a VM can have. */
#define KVM_NR_IRQCHIPS			1

#endif /* !__ASSEMBLY__ */

#endif /* __LINUX_KVM_RISCV_H */
