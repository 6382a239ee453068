// SPDX-License-Identifier: GPL-2.0

//! Decoding of the guest instructions the backend emulates.
//!
//! Two kinds of trap hand the backend a guest instruction to emulate:
//!
//! - a guest page fault on a region with no memslot is an MMIO access: the
//!   faulting load or store is decoded with [`decode_mmio`], its data moved
//!   through `kvm_run.mmio.data` and, for loads, the result written back to
//!   the destination register;
//! - a virtual-instruction exception is a CSR access, `WFI` or `WRS`
//!   executed in VS/VU-mode that the hypervisor traps: decoded with
//!   [`decode_system`].
//!
//! The trapped instruction comes from `htinst` when the hardware provides
//! a transformed instruction ([`TrappedInsn::from_htinst`]) and otherwise
//! has to be read from guest memory at `sepc` ([`TrappedInsn::fetched`]).
//!
//! Only RV64 is supported, as by the rest of the backend.

/// Bits `[1:0]` of an instruction: `0b11` for a 32-bit (or longer)
/// instruction, anything else for a 16-bit compressed one.
const LEN_MASK: u32 = 0b11;

// Major opcodes (bits `[6:0]`) of 32-bit instructions.
const OPCODE_LOAD: u32 = 0x03;
const OPCODE_STORE: u32 = 0x23;
const OPCODE_SYSTEM: u32 = 0x73;

// Compressed quadrants (bits `[1:0]`) holding loads and stores.
const QUADRANT_0: u32 = 0b00;
const QUADRANT_2: u32 = 0b10;

/// `funct3` of the `SYSTEM` instructions that are not CSR accesses
/// (`ECALL`, `WFI`, `SRET`, `WRS`, ...).
const FUNCT3_PRIV: u32 = 0;

/// `WFI`.
const INSN_WFI: u32 = 0x1050_0073;
/// `WRS.NTO` (Zawrs): wait on a reservation set, no timeout.
const INSN_WRS_NTO: u32 = 0x00d0_0073;
/// `WRS.STO` (Zawrs): wait on a reservation set, short timeout.
const INSN_WRS_STO: u32 = 0x01d0_0073;

/// `len` bits of `word` starting at bit `shift`.
const fn field(word: u32, shift: u32, len: u32) -> u32 {
    (word >> shift) & ((1 << len) - 1)
}

/// A 5-bit register field of `word` at bit `shift`.
const fn reg(word: u32, shift: u32) -> u8 {
    field(word, shift, 5) as u8
}

/// A 3-bit compressed register field (`rd'`, `rs1'`, `rs2'`): it names one
/// of `x8..x15`.
const fn creg(word: u32, shift: u32) -> u8 {
    8 + field(word, shift, 3) as u8
}

/// Length in bytes of the instruction whose first 16 bits are the low half
/// of `word`: 2 for a compressed instruction, otherwise 4.
///
/// Longer encodings (48 bits and up) also report 4: none of them is a load,
/// store or `SYSTEM` instruction, so the decoders reject them anyway.
pub const fn insn_len(word: u32) -> u8 {
    if word & LEN_MASK == LEN_MASK {
        4
    } else {
        2
    }
}

/// The instruction behind a trap, ready to decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrappedInsn {
    /// Encoding to decode. A compressed instruction read from memory sits
    /// in the low half; a compressed instruction reported through `htinst`
    /// appears as its 32-bit equivalent.
    pub word: u32,
    /// Length in bytes (2 or 4) of the instruction the guest executed:
    /// what `sepc` advances by once the instruction is emulated.
    pub len: u8,
}

impl TrappedInsn {
    /// The transformed instruction in `htinst`, if it holds one.
    ///
    /// The privileged spec fills `htinst` with zero, a pseudoinstruction
    /// (bit 0 clear) or a transformed instruction (bit 0 set). A transformed
    /// compressed instruction is written as its 32-bit equivalent with bit 1
    /// cleared, which is how its length survives the transformation; bit 1
    /// is set again here so that [`decode_mmio`] sees a 32-bit encoding.
    ///
    /// Returns `None` when the instruction must be read from guest memory
    /// at `sepc`: zero, pseudoinstructions (only reported for implicit
    /// accesses of the guest's own page-table walk) and values with bits
    /// above 31 set, which no transformation produces (the C backend
    /// decodes their low half regardless; the instruction in memory is the
    /// one that trapped, so reading it is the safe choice).
    pub const fn from_htinst(htinst: u64) -> Option<Self> {
        if htinst & 1 == 0 || htinst >> 32 != 0 {
            return None;
        }
        let word = htinst as u32 | LEN_MASK;
        let len = if htinst & 0b10 != 0 { 4 } else { 2 };
        Some(TrappedInsn { word, len })
    }

    /// An instruction read from guest memory at `sepc`: its own low bits
    /// give its length. For a compressed instruction only the low half of
    /// `word` is looked at.
    pub const fn fetched(word: u32) -> Self {
        TrappedInsn {
            word,
            len: insn_len(word),
        }
    }
}

/// Size of an MMIO access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    /// One byte (`LB`, `LBU`, `SB`).
    Byte,
    /// Two bytes (`LH`, `LHU`, `SH`).
    Half,
    /// Four bytes (`LW`, `LWU`, `SW` and their compressed forms).
    Word,
    /// Eight bytes (`LD`, `SD` and their compressed forms).
    Double,
}

impl Width {
    /// Size in bytes: the value of `kvm_run.mmio.len`.
    pub const fn bytes(self) -> u32 {
        match self {
            Width::Byte => 1,
            Width::Half => 2,
            Width::Word => 4,
            Width::Double => 8,
        }
    }

    /// The bits of a register an access of this width covers.
    const fn mask(self) -> u64 {
        u64::MAX >> (u64::BITS - 8 * self.bytes())
    }

    /// Whether an access of this width at `addr` is naturally aligned.
    /// Like the C backend, the emulation refuses misaligned MMIO (`-EIO`):
    /// it would span device registers.
    pub const fn is_aligned(self, addr: u64) -> bool {
        addr & (self.bytes() as u64 - 1) == 0
    }
}

/// A load or store that faulted on an MMIO region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MmioAccess {
    /// A load into integer register `rd`. `rd` may be 0: the device still
    /// sees the read, the result is discarded.
    Load {
        /// Destination register, `0..=31`.
        rd: u8,
        /// Size of the access.
        width: Width,
        /// Whether the value is sign-extended to 64 bits (`LB`, `LH`, `LW`,
        /// `LD`) rather than zero-extended (`LBU`, `LHU`, `LWU`). For 64-bit
        /// loads both give the same result.
        signed: bool,
    },
    /// A store of the low `width` bytes of integer register `rs2`.
    Store {
        /// Source register, `0..=31`.
        rs2: u8,
        /// Size of the access.
        width: Width,
    },
}

impl MmioAccess {
    /// Size of the access.
    pub const fn width(self) -> Width {
        match self {
            MmioAccess::Load { width, .. } | MmioAccess::Store { width, .. } => width,
        }
    }
}

/// Decodes the RV64 integer load or store in `word`.
///
/// Recognises `LB LH LW LD LBU LHU LWU SB SH SW SD` and the compressed
/// `C.LW C.LD C.SW C.SD C.LWSP C.LDSP C.SWSP C.SDSP`; a compressed
/// instruction is taken from the low half of `word`, the high half is
/// ignored. Everything else is `None`, in particular floating-point loads
/// and stores (the MMIO exit has no way to name an FP register, and the C
/// backend does not emulate them either), atomics, the Zcb compressed
/// loads and stores (not decoded by the C backend), and the reserved
/// `C.LWSP`/`C.LDSP` with `rd` = `x0`.
pub const fn decode_mmio(word: u32) -> Option<MmioAccess> {
    if word & LEN_MASK == LEN_MASK {
        decode_mmio_32(word)
    } else {
        decode_mmio_16(word & 0xffff)
    }
}

/// Loads and stores with a 32-bit encoding (I-type loads, S-type stores).
const fn decode_mmio_32(word: u32) -> Option<MmioAccess> {
    let funct3 = field(word, 12, 3);
    match word & 0x7f {
        OPCODE_LOAD => {
            let (width, signed) = match funct3 {
                0 => (Width::Byte, true),
                1 => (Width::Half, true),
                2 => (Width::Word, true),
                3 => (Width::Double, true),
                4 => (Width::Byte, false),
                5 => (Width::Half, false),
                6 => (Width::Word, false),
                // LDU exists only on RV128.
                _ => return None,
            };
            Some(MmioAccess::Load {
                rd: reg(word, 7),
                width,
                signed,
            })
        }
        OPCODE_STORE => {
            let width = match funct3 {
                0 => Width::Byte,
                1 => Width::Half,
                2 => Width::Word,
                3 => Width::Double,
                // SQ exists only on RV128.
                _ => return None,
            };
            Some(MmioAccess::Store {
                rs2: reg(word, 20),
                width,
            })
        }
        _ => None,
    }
}

/// Loads and stores with a 16-bit encoding (RV64C quadrants 0 and 2).
const fn decode_mmio_16(half: u32) -> Option<MmioAccess> {
    let funct3 = field(half, 13, 3);
    match (half & LEN_MASK, funct3) {
        // CL/CS formats: rd'/rs2' in bits [4:2], base rs1' in [9:7].
        (QUADRANT_0, 0b010) => Some(MmioAccess::Load {
            rd: creg(half, 2),
            width: Width::Word,
            signed: true,
        }),
        (QUADRANT_0, 0b011) => Some(MmioAccess::Load {
            rd: creg(half, 2),
            width: Width::Double,
            signed: true,
        }),
        (QUADRANT_0, 0b110) => Some(MmioAccess::Store {
            rs2: creg(half, 2),
            width: Width::Word,
        }),
        (QUADRANT_0, 0b111) => Some(MmioAccess::Store {
            rs2: creg(half, 2),
            width: Width::Double,
        }),
        // CI format, base sp: full rd in bits [11:7]; rd = x0 is reserved.
        (QUADRANT_2, 0b010 | 0b011) => {
            let rd = reg(half, 7);
            if rd == 0 {
                return None;
            }
            let width = if funct3 == 0b010 {
                Width::Word
            } else {
                Width::Double
            };
            Some(MmioAccess::Load {
                rd,
                width,
                signed: true,
            })
        }
        // CSS format, base sp: full rs2 in bits [6:2], any register. Bits
        // [11:7] are offset bits here; the C backend tests them as if they
        // were rd and so refuses the offsets 0 and 32, which are valid.
        (QUADRANT_2, 0b110) => Some(MmioAccess::Store {
            rs2: reg(half, 2),
            width: Width::Word,
        }),
        (QUADRANT_2, 0b111) => Some(MmioAccess::Store {
            rs2: reg(half, 2),
            width: Width::Double,
        }),
        _ => None,
    }
}

/// The register value a load of `width` produces from the `raw` bytes the
/// device returned (little-endian, as from [`unpack_mmio_data`]): sign- or
/// zero-extended to 64 bits. Bits of `raw` above `width` are ignored.
///
/// The C backend of Linux 6.12 shifts an unsigned value here and so
/// zero-extends even `LB`, `LH` and `LW`; this follows the ISA.
pub const fn load_result(width: Width, signed: bool, raw: u64) -> u64 {
    let unused = u64::BITS - 8 * width.bytes();
    if signed {
        (((raw << unused) as i64) >> unused) as u64
    } else {
        raw & width.mask()
    }
}

/// The value a store of `width` writes: the low `width` bytes of the
/// source register `reg`.
pub const fn store_value(width: Width, reg: u64) -> u64 {
    reg & width.mask()
}

/// `kvm_run.mmio.data` for a store of `width` of `value`: the low `width`
/// bytes of `value` in little-endian order, the rest zero.
pub const fn pack_mmio_data(width: Width, value: u64) -> [u8; 8] {
    store_value(width, value).to_le_bytes()
}

/// The value a device returned in `kvm_run.mmio.data` for a load of
/// `width`. Only the first `width` bytes are read: userspace or an
/// in-kernel device may leave the others stale.
pub const fn unpack_mmio_data(width: Width, data: &[u8; 8]) -> u64 {
    u64::from_le_bytes(*data) & width.mask()
}

/// What a CSR instruction does with the CSR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsrOp {
    /// `CSRRW`, `CSRRWI`: replace the value.
    Write,
    /// `CSRRS`, `CSRRSI`: set the bits given.
    Set,
    /// `CSRRC`, `CSRRCI`: clear the bits given.
    Clear,
}

/// Operand of a CSR instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsrSource {
    /// The value of integer register `rs1` (`CSRRW`, `CSRRS`, `CSRRC`).
    Reg(u8),
    /// The 5-bit immediate `zimm`, zero-extended (`CSRRWI`, `CSRRSI`,
    /// `CSRRCI`).
    Imm(u8),
}

/// A decoded Zicsr instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsrInsn {
    /// CSR number, `0..=0xfff`.
    pub csr: u16,
    /// Read-modify-write operation.
    pub op: CsrOp,
    /// Register receiving the old value; `x0` discards it.
    pub rd: u8,
    /// Operand of the operation.
    pub source: CsrSource,
}

/// A CSR update as `kvm_run.riscv_csr` reports it: the CSR becomes
/// `(old & !write_mask) | (new_value & write_mask)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsrUpdate {
    /// Value whose bits under `write_mask` are written.
    pub new_value: u64,
    /// Bits of the CSR the instruction changes.
    pub write_mask: u64,
}

impl CsrInsn {
    /// The update this instruction applies, given `rs1_value`, the value of
    /// register `rs1` for [`CsrSource::Reg`] (0 for `x0`); it is ignored
    /// for [`CsrSource::Imm`].
    ///
    /// Expressing all three operations as a masked write lets one handler
    /// (in the kernel or in userspace) serve them: a write replaces every
    /// bit, a set or clear writes ones or zeroes under the operand.
    pub const fn update(self, rs1_value: u64) -> CsrUpdate {
        let operand = match self.source {
            CsrSource::Reg(_) => rs1_value,
            CsrSource::Imm(zimm) => zimm as u64,
        };
        match self.op {
            CsrOp::Write => CsrUpdate {
                new_value: operand,
                write_mask: u64::MAX,
            },
            CsrOp::Set => CsrUpdate {
                new_value: u64::MAX,
                write_mask: operand,
            },
            CsrOp::Clear => CsrUpdate {
                new_value: 0,
                write_mask: operand,
            },
        }
    }

    /// The source register whose value [`CsrInsn::update`] takes: `rs1`,
    /// or `x0` (reading as zero) for the immediate forms.
    pub const fn rs1(self) -> u8 {
        match self.source {
            CsrSource::Reg(r) => r,
            CsrSource::Imm(_) => 0,
        }
    }

    /// Whether the instruction writes the CSR. `CSRRS`/`CSRRC` with `rs1` =
    /// `x0` and `CSRRSI`/`CSRRCI` with `zimm` = 0 only read it, so they
    /// neither raise write side effects nor fault on read-only CSRs. The
    /// test is on the encoding: a register other than `x0` that holds zero
    /// still makes a write.
    pub const fn writes(self) -> bool {
        match (self.op, self.source) {
            (CsrOp::Write, _) => true,
            (_, CsrSource::Reg(r)) => r != 0,
            (_, CsrSource::Imm(zimm)) => zimm != 0,
        }
    }
}

/// A `SYSTEM` instruction that raised a virtual-instruction exception and
/// that the backend emulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemInsn {
    /// A CSR access.
    Csr(CsrInsn),
    /// `WFI`.
    Wfi,
    /// `WRS.NTO`. The C backend of Linux 6.12 emulates it as a yield.
    WrsNto,
    /// `WRS.STO`. The C backend of Linux 6.12 does not recognise it and
    /// injects an illegal-instruction exception; callers wanting parity do
    /// the same.
    WrsSto,
}

/// Decodes a 32-bit `SYSTEM` instruction the backend emulates on a
/// virtual-instruction exception: the six Zicsr instructions, `WFI`,
/// `WRS.NTO` and `WRS.STO`. Anything else, compressed encodings included,
/// is `None`: the guest gets an illegal-instruction exception.
pub const fn decode_system(word: u32) -> Option<SystemInsn> {
    if word & 0x7f != OPCODE_SYSTEM {
        return None;
    }
    let funct3 = field(word, 12, 3);
    if funct3 == FUNCT3_PRIV {
        // These have no operands: only the exact encodings are valid.
        return match word {
            INSN_WFI => Some(SystemInsn::Wfi),
            INSN_WRS_NTO => Some(SystemInsn::WrsNto),
            INSN_WRS_STO => Some(SystemInsn::WrsSto),
            _ => None,
        };
    }
    // funct3 bit 2 selects the immediate forms; the low bits the operation.
    let op = match funct3 & 0b11 {
        0b01 => CsrOp::Write,
        0b10 => CsrOp::Set,
        0b11 => CsrOp::Clear,
        // funct3 = 4: hypervisor loads and stores (HLV, HSV), never
        // emulated.
        _ => return None,
    };
    let rs1 = reg(word, 15);
    let source = if funct3 & 0b100 != 0 {
        CsrSource::Imm(rs1)
    } else {
        CsrSource::Reg(rs1)
    };
    Some(SystemInsn::Csr(CsrInsn {
        csr: (word >> 20) as u16,
        op,
        rd: reg(word, 7),
        source,
    }))
}

#[cfg(test)]
mod rs1_tests {
    use super::*;

    #[test]
    fn rs1_of_register_and_immediate_forms() {
        // csrrw a0, sscratch, a1 / csrrsi a0, sscratch, 5
        let Some(SystemInsn::Csr(reg)) = decode_system(0x1405_9573) else {
            unreachable!("csrrw not decoded");
        };
        let Some(SystemInsn::Csr(imm)) = decode_system(0x1402_e573) else {
            unreachable!("csrrsi not decoded");
        };
        assert_eq!(reg.rs1(), 11);
        assert_eq!(imm.rs1(), 0);
        assert_eq!(imm.update(0xdead).write_mask, 5);
    }
}

#[cfg(test)]
#[path = "insn_tests.rs"]
mod tests;
