// SPDX-License-Identifier: GPL-2.0

//! Host tests of `logic::onereg`.
//!
//! The vCPU descriptions and id prefixes here are shared by the tests,
//! which follow in a section per file of the module they test, in one
//! module so that every test keeps its name `logic::onereg::tests::NAME`,
//! as `selftests/expected-pass` lists it.

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

// Tests of `parse`: the checks that depend on the id alone, in upstream
// order.

#[test]
fn bad_sizes_are_einval() {
    use RegIdError::BadSize;
    let f = full();
    for size in [
        KVM_REG_SIZE_U8,
        KVM_REG_SIZE_U16,
        KVM_REG_SIZE_U32,
        KVM_REG_SIZE_U128,
    ] {
        let s = KVM_REG_RISCV | size;
        for class in [
            KVM_REG_RISCV_CONFIG,
            KVM_REG_RISCV_CORE,
            KVM_REG_RISCV_CSR,
            KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_AIA,
            KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_SMSTATEEN,
            KVM_REG_RISCV_TIMER,
            KVM_REG_RISCV_ISA_EXT,
            KVM_REG_RISCV_SBI_EXT,
            KVM_REG_RISCV_SBI_STATE,
            KVM_REG_RISCV_VECTOR,
            KVM_REG_RISCV_FP_D,
        ] {
            assert_eq!(parse(s | class), Err(BadSize), "{:#x}", s | class);
            assert_eq!(lookup(s | class, &f), Err(BadSize));
        }
    }
    assert_eq!(parse(U64 | KVM_REG_RISCV_FP_F), Err(BadSize));
    assert_eq!(parse(U64 | KVM_REG_RISCV_FP_F | 32), Err(BadSize));
    assert_eq!(parse(U64 | KVM_REG_RISCV_FP_D | 32), Err(BadSize));
    assert_eq!(parse(U32 | KVM_REG_RISCV_FP_D | 31), Err(BadSize));
    // Vector data registers must be exactly vlenb (32 here).
    let v0 = KVM_REG_RISCV_VECTOR | 6;
    assert!(lookup(KVM_REG_RISCV | KVM_REG_SIZE_U256 | v0, &f).is_ok());
    for size in [KVM_REG_SIZE_U64, KVM_REG_SIZE_U128, KVM_REG_SIZE_U512] {
        assert!(parse(KVM_REG_RISCV | size | v0).is_ok());
        assert_eq!(lookup(KVM_REG_RISCV | size | v0, &f), Err(BadSize));
    }
}

#[test]
fn size_is_checked_before_the_index_where_upstream_does() {
    use RegIdError::*;
    // An unknown index with a bad size is EINVAL for these classes.
    // One byte is no register's size.
    let u8 = KVM_REG_RISCV | KVM_REG_SIZE_U8;
    for class in [
        KVM_REG_RISCV_CONFIG | 7,
        KVM_REG_RISCV_CORE | 33,
        KVM_REG_RISCV_CSR | 11,
        KVM_REG_RISCV_CSR | 0x7f_0000,
        KVM_REG_RISCV_TIMER | 4,
        KVM_REG_RISCV_FP_F | 33,
        KVM_REG_RISCV_ISA_EXT | 62,
        KVM_REG_RISCV_SBI_EXT | 11,
        KVM_REG_RISCV_SBI_STATE | 2,
        KVM_REG_RISCV_VECTOR | 5,
    ] {
        assert_eq!(lookup(u8 | class, &full()), Err(BadSize), "{class:#x}");
    }
    // FP_D checks the index first (its size depends on it), and
    // vector indices past the CSRs are ENOENT whatever the size.
    assert_eq!(lookup(u8 | KVM_REG_RISCV_FP_D | 33, &full()), Err(NotFound));
    assert_eq!(
        lookup(u8 | KVM_REG_RISCV_VECTOR | 38, &full()),
        Err(NotFound)
    );
    // The type is checked before everything.
    assert_eq!(parse(u8 | (11 << 24)), Err(NotFound));
}

#[test]
fn unknown_types_and_indices_are_enoent() {
    use RegIdError::*;
    for ty in [0u64, 11, 12, 0x7f, 0xff] {
        assert_eq!(parse(U64 | ty << 24), Err(NotFound), "type {ty}");
        assert_eq!(set_precheck(U64 | ty << 24, &full(), false), Err(NotFound));
    }
    for id in [
        U64 | KVM_REG_RISCV_CONFIG | 7,
        U64 | KVM_REG_RISCV_CONFIG | 1 << 16,
        U64 | KVM_REG_RISCV_CORE | 33,
        U64 | KVM_REG_RISCV_CORE | 1 << 16,
        U64 | KVM_REG_RISCV_CSR | 11,
        U64 | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_AIA | 7,
        U64 | KVM_REG_RISCV_CSR | 3 << 16,
        U64 | KVM_REG_RISCV_CSR | 0xff << 16,
        U64 | KVM_REG_RISCV_TIMER | 4,
        U64 | KVM_REG_RISCV_TIMER | 1 << 16,
        U32 | KVM_REG_RISCV_FP_F | 33,
        U64 | KVM_REG_RISCV_FP_D | 33,
        U64 | KVM_REG_RISCV_VECTOR | 5, // datap
        U64 | KVM_REG_RISCV_VECTOR | 38,
        U64 | KVM_REG_RISCV_VECTOR | 1 << 16,
        // Out-of-range ISA/SBI extension ids.
        U64 | KVM_REG_RISCV_ISA_EXT | 62,
        U64 | KVM_REG_RISCV_ISA_EXT | 0xffff,
        U64 | KVM_REG_RISCV_SBI_EXT | 11,
        // MULTI words past the last one.
        U64 | KVM_REG_RISCV_ISA_EXT | KVM_REG_RISCV_ISA_MULTI_EN | 1,
        U64 | KVM_REG_RISCV_ISA_EXT | KVM_REG_RISCV_ISA_MULTI_DIS | 1,
        U64 | KVM_REG_RISCV_SBI_EXT | KVM_REG_RISCV_SBI_MULTI_EN | 1,
        U64 | KVM_REG_RISCV_SBI_EXT | KVM_REG_RISCV_SBI_MULTI_DIS | 1,
        // Unknown ISA/SBI subtypes.
        U64 | KVM_REG_RISCV_ISA_EXT | 3 << 16,
        U64 | KVM_REG_RISCV_SBI_EXT | 3 << 16,
    ] {
        assert_eq!(parse(id), Err(NotFound), "{id:#x}");
        assert_eq!(lookup(id, &full()), Err(NotFound), "{id:#x}");
    }
}

#[test]
fn einval_classes() {
    use RegIdError::Invalid;
    let smstateen = U64 | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_SMSTATEEN;
    assert_eq!(parse(smstateen | 1), Err(Invalid));
    assert_eq!(parse(smstateen | 0xffff), Err(Invalid));
    let sta = U64 | KVM_REG_RISCV_SBI_STATE;
    assert_eq!(parse(sta | 2), Err(Invalid));
    assert_eq!(parse(sta | 1 << 16), Err(Invalid));
    assert_eq!(parse(sta | 0xff << 16), Err(Invalid));
}

#[test]
fn stray_bits_in_32_to_51_make_the_index_unknown() {
    use RegIdError::*;
    for bit in [32u32, 40, 51] {
        let b = 1u64 << bit;
        assert_eq!(parse(U64 | KVM_REG_RISCV_CONFIG | b), Err(NotFound));
        assert_eq!(parse(U64 | KVM_REG_RISCV_CORE | b), Err(NotFound));
        assert_eq!(parse(U64 | KVM_REG_RISCV_CSR | b), Err(NotFound));
        assert_eq!(
            parse(U64 | KVM_REG_RISCV_ISA_EXT | KVM_REG_RISCV_ISA_MULTI_EN | b),
            Err(NotFound)
        );
        assert_eq!(
            parse(U64 | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_SMSTATEEN | b),
            Err(Invalid)
        );
        assert_eq!(parse(U64 | KVM_REG_RISCV_SBI_STATE | b), Err(Invalid));
        assert_eq!(parse(U64 | KVM_REG_RISCV_VECTOR | b), Err(NotFound));
    }
}

#[test]
fn the_arch_field_is_ignored_like_upstream() {
    let pc = KVM_REG_SIZE_U64 | KVM_REG_RISCV_CORE;
    for arch in [0u64, 0x60, 0x80, 0xff] {
        let id = arch << 56 | pc;
        assert_eq!(parse(id), Ok(RegId::Core(CoreReg::Pc)));
        assert_eq!(encode(parse(id).unwrap()), KVM_REG_RISCV | pc);
    }
}

// Tests of the UAPI values `encoding.rs` (and the named extension ids and
// errnos) restate.

#[test]
fn uapi_constants_have_documented_values() {
    assert_eq!(KVM_REG_ARCH_MASK, 0xff00000000000000);
    assert_eq!(KVM_REG_RISCV, 0x8000000000000000);
    assert_eq!(KVM_REG_SIZE_SHIFT, 52);
    assert_eq!(KVM_REG_SIZE_MASK, 0x00f0000000000000);
    assert_eq!(KVM_REG_SIZE_U8, 0x0000000000000000);
    assert_eq!(KVM_REG_SIZE_U16, 0x0010000000000000);
    assert_eq!(KVM_REG_SIZE_U32, 0x0020000000000000);
    assert_eq!(KVM_REG_SIZE_U64, 0x0030000000000000);
    assert_eq!(KVM_REG_SIZE_U128, 0x0040000000000000);
    assert_eq!(KVM_REG_SIZE_U256, 0x0050000000000000);
    assert_eq!(KVM_REG_SIZE_U512, 0x0060000000000000);
    assert_eq!(KVM_REG_SIZE_U1024, 0x0070000000000000);
    assert_eq!(KVM_REG_SIZE_U2048, 0x0080000000000000);

    assert_eq!(KVM_REG_RISCV_TYPE_MASK, 0x00000000FF000000);
    assert_eq!(KVM_REG_RISCV_TYPE_SHIFT, 24);
    assert_eq!(KVM_REG_RISCV_SUBTYPE_MASK, 0x0000000000FF0000);
    assert_eq!(KVM_REG_RISCV_SUBTYPE_SHIFT, 16);

    assert_eq!(KVM_REG_RISCV_CONFIG, 1 << 24);
    assert_eq!(KVM_REG_RISCV_CORE, 2 << 24);
    assert_eq!(KVM_REG_RISCV_CSR, 3 << 24);
    assert_eq!(KVM_REG_RISCV_TIMER, 4 << 24);
    assert_eq!(KVM_REG_RISCV_FP_F, 5 << 24);
    assert_eq!(KVM_REG_RISCV_FP_D, 6 << 24);
    assert_eq!(KVM_REG_RISCV_ISA_EXT, 7 << 24);
    assert_eq!(KVM_REG_RISCV_SBI_EXT, 8 << 24);
    assert_eq!(KVM_REG_RISCV_VECTOR, 9 << 24);
    assert_eq!(KVM_REG_RISCV_SBI_STATE, 10 << 24);

    assert_eq!(KVM_REG_RISCV_CSR_GENERAL, 0);
    assert_eq!(KVM_REG_RISCV_CSR_AIA, 1 << 16);
    assert_eq!(KVM_REG_RISCV_CSR_SMSTATEEN, 2 << 16);
    assert_eq!(KVM_REG_RISCV_ISA_SINGLE, 0);
    assert_eq!(KVM_REG_RISCV_ISA_MULTI_EN, 1 << 16);
    assert_eq!(KVM_REG_RISCV_ISA_MULTI_DIS, 2 << 16);
    assert_eq!(KVM_REG_RISCV_SBI_SINGLE, 0);
    assert_eq!(KVM_REG_RISCV_SBI_MULTI_EN, 1 << 16);
    assert_eq!(KVM_REG_RISCV_SBI_MULTI_DIS, 2 << 16);
    assert_eq!(KVM_REG_RISCV_SBI_STA, 0);

    assert_eq!(KVM_RISCV_ISA_EXT_MAX, 62);
    assert_eq!(KVM_RISCV_SBI_EXT_MAX, 11);
    assert_eq!(KVM_REG_RISCV_ISA_MULTI_REG_LAST, 0);
    assert_eq!(KVM_REG_RISCV_SBI_MULTI_REG_LAST, 0);

    assert_eq!(IsaExtId::D.get(), 2);
    assert_eq!(IsaExtId::F.get(), 3);
    assert_eq!(IsaExtId::ZICBOM.get(), 11);
    assert_eq!(IsaExtId::ZICBOZ.get(), 12);
    assert_eq!(IsaExtId::SSAIA.get(), 14);
    assert_eq!(IsaExtId::V.get(), 15);
    assert_eq!(IsaExtId::SMSTATEEN.get(), 23);
    assert_eq!(SbiExtId::STA.get(), 10);

    assert_eq!(RegIdError::NotFound.to_errno(), -2);
    assert_eq!(RegIdError::BadSize.to_errno(), -22);
    assert_eq!(RegIdError::Invalid.to_errno(), -22);
    assert_eq!(RegIdError::BadValue.to_errno(), -22);
    assert_eq!(RegIdError::Busy.to_errno(), -16);
}

/// Cross-checks the restated enum values against the project's UAPI
/// header, which scripts/check-uapi-abi.sh holds to upstream.
#[test]
fn ids_match_the_uapi_header() {
    let header = include_str!("../../../include-uapi/asm/kvm.h");
    let value = |name: &str| -> u32 {
        let line = header
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} not in the header"));
        let v = line.split('=').nth(1).unwrap().trim();
        let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().unwrap()
    };
    assert_eq!(value("KVM_RISCV_ISA_EXT_MAX"), KVM_RISCV_ISA_EXT_MAX);
    assert_eq!(value("KVM_RISCV_SBI_EXT_MAX"), KVM_RISCV_SBI_EXT_MAX);
    for (name, id) in [
        ("KVM_RISCV_ISA_EXT_D", IsaExtId::D),
        ("KVM_RISCV_ISA_EXT_F", IsaExtId::F),
        ("KVM_RISCV_ISA_EXT_ZICBOM", IsaExtId::ZICBOM),
        ("KVM_RISCV_ISA_EXT_ZICBOZ", IsaExtId::ZICBOZ),
        ("KVM_RISCV_ISA_EXT_SSAIA", IsaExtId::SSAIA),
        ("KVM_RISCV_ISA_EXT_V", IsaExtId::V),
        ("KVM_RISCV_ISA_EXT_SMSTATEEN", IsaExtId::SMSTATEEN),
    ] {
        assert_eq!(value(name), id.get(), "{name}");
    }
    assert_eq!(value("KVM_RISCV_SBI_EXT_STA"), SbiExtId::STA.get());
    assert_eq!(value("KVM_RISCV_ISA_EXT_H"), 4);
}

// Tests of `Index`: its bounds, and clamping.

#[test]
fn index_bounds() {
    assert_eq!(Gpr::new(0), None);
    assert_eq!(Gpr::new(1).map(Index::get), Some(1));
    assert_eq!(Gpr::new(31).map(Index::get), Some(31));
    assert_eq!(Gpr::new(32), None);
    assert_eq!(IsaExtId::new(61).map(Index::get), Some(61));
    assert_eq!(IsaExtId::new(62), None);
    assert_eq!(SbiExtId::new(10), Some(SbiExtId::STA));
    assert_eq!(SbiExtId::new(11), None);
    assert_eq!(IsaWord::new(1), None);
    assert_eq!(SbiWord::new(1), None);
    assert_eq!(SizeLog2::new(15).map(Index::get), Some(15));
    assert_eq!(SizeLog2::new(16), None);
    assert_eq!(FReg::new(u64::MAX), None);
}

#[test]
fn a_clamp_that_misbehaves_still_yields_an_index_in_range() {
    for n in 1..32 {
        let x = Gpr::new(n).expect("x1..x31");
        let got = x.clamped(|_, _| usize::MAX).get();
        assert!((1..32).contains(&got), "x{n} became x{got}");
        assert_eq!(x.clamped(|_, _| 0).get(), 1);
    }
    let last = SbiExtId::new(u64::from(KVM_RISCV_SBI_EXT_MAX) - 1).expect("in range");
    assert!(last.clamped(|i, l| i + l).get() < KVM_RISCV_SBI_EXT_MAX as u32);
}

// Tests of `RegId`: encoding, sizes and clamping.

#[test]
fn known_ids_from_the_selftests() {
    // Values as tools/testing/selftests/kvm/riscv/get-reg-list.c and
    // QEMU spell them for RV64.
    let pc = 0x8030_0000_0200_0000;
    assert_eq!(parse(pc), Ok(RegId::Core(CoreReg::Pc)));
    assert_eq!(encode(RegId::Core(CoreReg::Pc)), pc);
    assert_eq!(
        parse(0x8030_0000_0100_0006),
        Ok(RegId::Config(ConfigReg::SatpMode))
    );
    assert_eq!(parse(0x8020_0000_0500_0020), Ok(RegId::FpF(FpReg::Fcsr)));
    assert_eq!(parse(0x8020_0000_0600_0020), Ok(RegId::FpD(FpReg::Fcsr)));
    assert_eq!(
        parse(0x8030_0000_0302_0000),
        Ok(RegId::Csr(CsrReg::Smstateen(SmstateenCsr::Sstateen0)))
    );
    assert_eq!(
        parse(0x8030_0000_0a00_0001),
        Ok(RegId::SbiState(SbiStateReg::Sta(StaReg::ShmemHi)))
    );
    // v31 with VLEN 128: 16-byte register at 6 + 31.
    assert_eq!(
        encode(RegId::Vector(VectorReg::V {
            reg: VReg::new(31).unwrap(),
            size_log2: SizeLog2::new(4).unwrap(),
        })),
        0x8040_0000_0900_0025
    );
}

#[test]
fn every_class_parses_from_its_encoding() {
    let cases: &[(u64, RegId)] = &[
        (U64 | KVM_REG_RISCV_CONFIG, RegId::Config(ConfigReg::Isa)),
        (
            U64 | KVM_REG_RISCV_CONFIG | 1,
            RegId::Config(ConfigReg::ZicbomBlockSize),
        ),
        (
            U64 | KVM_REG_RISCV_CONFIG | 2,
            RegId::Config(ConfigReg::Mvendorid),
        ),
        (
            U64 | KVM_REG_RISCV_CONFIG | 3,
            RegId::Config(ConfigReg::Marchid),
        ),
        (
            U64 | KVM_REG_RISCV_CONFIG | 4,
            RegId::Config(ConfigReg::Mimpid),
        ),
        (
            U64 | KVM_REG_RISCV_CONFIG | 5,
            RegId::Config(ConfigReg::ZicbozBlockSize),
        ),
        (
            U64 | KVM_REG_RISCV_CONFIG | 6,
            RegId::Config(ConfigReg::SatpMode),
        ),
        (U64 | KVM_REG_RISCV_CORE, RegId::Core(CoreReg::Pc)),
        (
            U64 | KVM_REG_RISCV_CORE | 1,
            RegId::Core(CoreReg::X(Gpr::new(1).unwrap())),
        ),
        (
            U64 | KVM_REG_RISCV_CORE | 31,
            RegId::Core(CoreReg::X(Gpr::new(31).unwrap())),
        ),
        (U64 | KVM_REG_RISCV_CORE | 32, RegId::Core(CoreReg::Mode)),
        (
            U64 | KVM_REG_RISCV_CSR,
            RegId::Csr(CsrReg::General(GeneralCsr::Sstatus)),
        ),
        (
            U64 | KVM_REG_RISCV_CSR | 7,
            RegId::Csr(CsrReg::General(GeneralCsr::Sip)),
        ),
        (
            U64 | KVM_REG_RISCV_CSR | 10,
            RegId::Csr(CsrReg::General(GeneralCsr::Senvcfg)),
        ),
        (
            U64 | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_AIA,
            RegId::Csr(CsrReg::Aia(AiaCsr::Siselect)),
        ),
        (
            U64 | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_AIA | 6,
            RegId::Csr(CsrReg::Aia(AiaCsr::Iprio2h)),
        ),
        (
            U64 | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_SMSTATEEN,
            RegId::Csr(CsrReg::Smstateen(SmstateenCsr::Sstateen0)),
        ),
        (U64 | KVM_REG_RISCV_TIMER, RegId::Timer(TimerReg::Frequency)),
        (U64 | KVM_REG_RISCV_TIMER | 1, RegId::Timer(TimerReg::Time)),
        (
            U64 | KVM_REG_RISCV_TIMER | 2,
            RegId::Timer(TimerReg::Compare),
        ),
        (U64 | KVM_REG_RISCV_TIMER | 3, RegId::Timer(TimerReg::State)),
        (
            U32 | KVM_REG_RISCV_FP_F,
            RegId::FpF(FpReg::F(FReg::new(0).unwrap())),
        ),
        (
            U32 | KVM_REG_RISCV_FP_F | 31,
            RegId::FpF(FpReg::F(FReg::new(31).unwrap())),
        ),
        (U32 | KVM_REG_RISCV_FP_F | 32, RegId::FpF(FpReg::Fcsr)),
        (
            U64 | KVM_REG_RISCV_FP_D,
            RegId::FpD(FpReg::F(FReg::new(0).unwrap())),
        ),
        (
            U64 | KVM_REG_RISCV_FP_D | 31,
            RegId::FpD(FpReg::F(FReg::new(31).unwrap())),
        ),
        (U32 | KVM_REG_RISCV_FP_D | 32, RegId::FpD(FpReg::Fcsr)),
        (U64 | KVM_REG_RISCV_VECTOR, RegId::Vector(VectorReg::Vstart)),
        (U64 | KVM_REG_RISCV_VECTOR | 1, RegId::Vector(VectorReg::Vl)),
        (
            U64 | KVM_REG_RISCV_VECTOR | 2,
            RegId::Vector(VectorReg::Vtype),
        ),
        (
            U64 | KVM_REG_RISCV_VECTOR | 3,
            RegId::Vector(VectorReg::Vcsr),
        ),
        (
            U64 | KVM_REG_RISCV_VECTOR | 4,
            RegId::Vector(VectorReg::Vlenb),
        ),
        (
            KVM_REG_RISCV | KVM_REG_SIZE_U128 | KVM_REG_RISCV_VECTOR | 6,
            RegId::Vector(VectorReg::V {
                reg: VReg::new(0).unwrap(),
                size_log2: SizeLog2::new(4).unwrap(),
            }),
        ),
        (
            KVM_REG_RISCV | KVM_REG_SIZE_U2048 | KVM_REG_RISCV_VECTOR | 37,
            RegId::Vector(VectorReg::V {
                reg: VReg::new(31).unwrap(),
                size_log2: SizeLog2::new(8).unwrap(),
            }),
        ),
        (
            U64 | KVM_REG_RISCV_ISA_EXT | 3,
            RegId::IsaExt(IsaExtReg::Single(IsaExtId::F)),
        ),
        (
            U64 | KVM_REG_RISCV_ISA_EXT | 61,
            RegId::IsaExt(IsaExtReg::Single(IsaExtId::new(61).unwrap())),
        ),
        (
            U64 | KVM_REG_RISCV_ISA_EXT | KVM_REG_RISCV_ISA_MULTI_EN,
            RegId::IsaExt(IsaExtReg::MultiEn(IsaWord::new(0).unwrap())),
        ),
        (
            U64 | KVM_REG_RISCV_ISA_EXT | KVM_REG_RISCV_ISA_MULTI_DIS,
            RegId::IsaExt(IsaExtReg::MultiDis(IsaWord::new(0).unwrap())),
        ),
        (
            U64 | KVM_REG_RISCV_SBI_EXT | 10,
            RegId::SbiExt(SbiExtReg::Single(SbiExtId::STA)),
        ),
        (
            U64 | KVM_REG_RISCV_SBI_EXT | KVM_REG_RISCV_SBI_MULTI_EN,
            RegId::SbiExt(SbiExtReg::MultiEn(SbiWord::new(0).unwrap())),
        ),
        (
            U64 | KVM_REG_RISCV_SBI_EXT | KVM_REG_RISCV_SBI_MULTI_DIS,
            RegId::SbiExt(SbiExtReg::MultiDis(SbiWord::new(0).unwrap())),
        ),
        (
            U64 | KVM_REG_RISCV_SBI_STATE | KVM_REG_RISCV_SBI_STA,
            RegId::SbiState(SbiStateReg::Sta(StaReg::ShmemLo)),
        ),
        (
            U64 | KVM_REG_RISCV_SBI_STATE | KVM_REG_RISCV_SBI_STA | 1,
            RegId::SbiState(SbiStateReg::Sta(StaReg::ShmemHi)),
        ),
    ];
    for &(id, reg) in cases {
        assert_eq!(parse(id), Ok(reg), "{id:#x}");
        assert_eq!(encode(reg), id, "{reg:?}");
        assert_eq!(u64::from(reg.size()), 1 << ((id >> 52) & 0xf));
    }
}

#[test]
fn sizes_follow_the_register() {
    let d = full();
    for id in reg_ids(&d) {
        let reg = parse(id).unwrap();
        let want = match reg {
            RegId::FpF(_) | RegId::FpD(FpReg::Fcsr) => 4,
            RegId::Vector(VectorReg::V { .. }) => 32,
            _ => 8,
        };
        assert_eq!(reg.size(), want, "{reg:?}");
        assert_eq!(reg_size(id), want);
    }
}

/// What `array_index_nospec()` does architecturally.
fn nospec(index: usize, len: usize) -> usize {
    if index < len {
        index
    } else {
        0
    }
}

#[test]
fn clamping_keeps_every_listed_register() {
    let mut checked = 0;
    for d in descs() {
        for id in reg_ids(&d) {
            let reg = lookup(id, &d).expect("listed ids resolve");
            assert_eq!(reg.clamped(nospec), reg, "{id:#x}");
            assert_eq!(reg.clamped(|i, _| i), reg, "{id:#x}");
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} registers checked");
}

// Tests of `KVM_GET_REG_LIST`: contents, order and count.

#[test]
fn list_round_trips_and_every_listed_id_is_accepted() {
    for d in descs() {
        let ids: Vec<u64> = reg_ids(&d).collect();
        assert_eq!(ids.len(), reg_count(&d), "{d:?}");
        assert_eq!(regs(&d).count(), reg_count(&d));
        for &id in &ids {
            let reg = parse(id).unwrap();
            assert_eq!(encode(reg), id);
            assert_eq!(lookup(id, &d), Ok(reg), "{id:#x}");
            assert_eq!(set_precheck(id, &d, false), Ok(()));
            assert!(d.lists(reg));
        }
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "duplicate ids");
    }
}

/// Class of an id in list order, to check the sections come in
/// upstream order.
fn section(id: u64) -> u32 {
    match id & (KVM_REG_RISCV_TYPE_MASK | KVM_REG_RISCV_SUBTYPE_MASK) {
        KVM_REG_RISCV_CONFIG => 0,
        KVM_REG_RISCV_CORE => 1,
        x if x == KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_GENERAL => 2,
        x if x == KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_AIA => 3,
        x if x == KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_SMSTATEEN => 4,
        KVM_REG_RISCV_TIMER => 5,
        KVM_REG_RISCV_FP_F => 6,
        KVM_REG_RISCV_FP_D => 7,
        KVM_REG_RISCV_VECTOR => 8,
        KVM_REG_RISCV_ISA_EXT => 9,
        KVM_REG_RISCV_SBI_EXT => 10,
        KVM_REG_RISCV_SBI_STATE => 11,
        _ => panic!("unexpected id {id:#x}"),
    }
}

#[test]
fn list_order_is_upstreams() {
    for d in descs() {
        let ids: Vec<u64> = reg_ids(&d).collect();
        for w in ids.windows(2) {
            let (a, b) = (section(w[0]), section(w[1]));
            assert!(
                a < b || (a == b && (w[0] & 0xffff) < (w[1] & 0xffff)),
                "{:#x} {:#x}",
                w[0],
                w[1]
            );
        }
    }
}

#[test]
fn bare_vcpu_list() {
    let ids: Vec<u64> = reg_ids(&bare()).collect();
    // isa, mvendorid, marchid, mimpid, satp_mode; 33 core; 11 CSRs;
    // 4 timer registers.
    assert_eq!(ids.len(), 5 + 33 + 11 + 4);
    let config: Vec<u64> = ids[..5].iter().map(|id| id & 0xff).collect();
    assert_eq!(config, [0, 2, 3, 4, 6]);
    assert_eq!(ids[5], U64 | KVM_REG_RISCV_CORE);
    assert_eq!(ids[5 + 32], U64 | KVM_REG_RISCV_CORE | 32);
    assert_eq!(*ids.last().unwrap(), U64 | KVM_REG_RISCV_TIMER | 3);
}

#[test]
fn full_vcpu_list() {
    let d = full();
    let ids: Vec<u64> = reg_ids(&d).collect();
    assert_eq!(
        ids.len(),
        7 + 33 + (11 + 7 + 1) + 4 + 33 + 33 + 37 + 62 + 11 + 2
    );
    let find = |id: u64| ids.iter().position(|&x| x == id).unwrap();
    // Config in index order with both block sizes.
    assert_eq!(
        &ids[..7],
        &(0..7)
            .map(|i| U64 | KVM_REG_RISCV_CONFIG | i)
            .collect::<Vec<_>>()[..]
    );
    // FP_D: f0..f31 as u64, then fcsr as u32 at index 32.
    let d0 = find(U64 | KVM_REG_RISCV_FP_D);
    assert_eq!(ids[d0 + 31], U64 | KVM_REG_RISCV_FP_D | 31);
    assert_eq!(ids[d0 + 32], U32 | KVM_REG_RISCV_FP_D | 32);
    // Vector: five CSRs, datap skipped, v0 at 6 sized by vlenb (32).
    let v = find(U64 | KVM_REG_RISCV_VECTOR);
    assert_eq!(ids[v + 4], U64 | KVM_REG_RISCV_VECTOR | 4);
    assert_eq!(
        ids[v + 5],
        KVM_REG_RISCV | KVM_REG_SIZE_U256 | KVM_REG_RISCV_VECTOR | 6
    );
    assert_eq!(
        ids[v + 36],
        KVM_REG_RISCV | KVM_REG_SIZE_U256 | KVM_REG_RISCV_VECTOR | 37
    );
    // H is on the host, so its ISA_EXT register is listed although the
    // vCPU can never have it.
    assert!(ids.contains(&(U64 | KVM_REG_RISCV_ISA_EXT | 4)));
    // STA state comes last.
    assert_eq!(
        &ids[ids.len() - 2..],
        &[
            U64 | KVM_REG_RISCV_SBI_STATE,
            U64 | KVM_REG_RISCV_SBI_STATE | 1
        ]
    );
}

#[test]
fn qemu_like_list() {
    let d = qemu_like();
    let ids: Vec<u64> = reg_ids(&d).collect();
    // 7 config, 33 core, 11 CSRs, 4 timer, 33 F, 33 D, 37 vector,
    // 15 ISA ids, 10 SBI ids (PMU unavailable), no STA state (STA
    // disabled).
    assert_eq!(ids.len(), 7 + 33 + 11 + 4 + 33 + 33 + 37 + 15 + 10);
    assert!(ids.contains(&(U64 | KVM_REG_RISCV_SBI_EXT | 10)));
    assert!(!ids.contains(&(U64 | KVM_REG_RISCV_SBI_EXT | 6)));
    assert!(!ids
        .iter()
        .any(|id| id & KVM_REG_RISCV_TYPE_MASK == KVM_REG_RISCV_SBI_STATE));
    assert!(ids.contains(&(KVM_REG_RISCV | KVM_REG_SIZE_U128 | KVM_REG_RISCV_VECTOR | 6)));
}

#[test]
fn conditional_blocks() {
    let count = |f: &dyn Fn(&mut VcpuDesc)| {
        let mut d = bare();
        f(&mut d);
        reg_count(&d) - reg_count(&bare())
    };
    assert_eq!(count(&|d| d.isa = bit(IsaExtId::ZICBOM)), 1);
    assert_eq!(count(&|d| d.isa = bit(IsaExtId::ZICBOZ)), 1);
    assert_eq!(count(&|d| d.isa = bit(IsaExtId::SSAIA)), 7);
    assert_eq!(count(&|d| d.isa = bit(IsaExtId::SMSTATEEN)), 1);
    assert_eq!(count(&|d| d.isa = bit(IsaExtId::F)), 33);
    assert_eq!(count(&|d| d.isa = bit(IsaExtId::D)), 33);
    assert_eq!(count(&|d| d.isa = bit(IsaExtId::V)), 37);
    assert_eq!(count(&|d| d.host_isa = ALL_ISA), 62);
    // Bits past KVM_RISCV_ISA_EXT_MAX are not extensions.
    assert_eq!(count(&|d| d.host_isa = !ALL_ISA), 0);
    assert_eq!(count(&|d| d.sbi[3] = SbiExtStatus::Disabled), 1);
    assert_eq!(count(&|d| d.sbi[10] = SbiExtStatus::Disabled), 1);
    assert_eq!(count(&|d| d.sbi[10] = SbiExtStatus::Enabled), 1 + 2);
}

// Tests of `lookup`, `set_precheck` and `lookup_set`: the checks on the
// vCPU, and the get/set verdicts.

#[test]
fn vcpu_gates() {
    use RegIdError::*;
    let b = bare();
    // Config block sizes: size first, then the vCPU's extension.
    let cbom = U64 | KVM_REG_RISCV_CONFIG | 1;
    let cboz = U64 | KVM_REG_RISCV_CONFIG | 5;
    assert_eq!(lookup(cbom, &b), Err(NotFound));
    assert_eq!(lookup(cboz, &b), Err(NotFound));
    assert_eq!(lookup(cbom & !KVM_REG_SIZE_MASK, &b), Err(BadSize));
    assert!(lookup(cbom, &full()).is_ok());
    assert!(lookup(cboz, &full()).is_ok());
    // FP and vector: the extension before the size.
    assert_eq!(lookup(U64 | KVM_REG_RISCV_FP_F, &b), Err(NotFound));
    assert_eq!(lookup(U32 | KVM_REG_RISCV_FP_F, &b), Err(NotFound));
    assert_eq!(lookup(U32 | KVM_REG_RISCV_FP_D, &b), Err(NotFound));
    assert_eq!(lookup(U32 | KVM_REG_RISCV_VECTOR, &b), Err(NotFound));
    assert_eq!(lookup(U64 | KVM_REG_RISCV_VECTOR | 4, &b), Err(NotFound));
    // F alone leaves FP_D out and vice versa.
    let mut f_only = bare();
    f_only.isa = bit(IsaExtId::F);
    assert!(lookup(U32 | KVM_REG_RISCV_FP_F | 32, &f_only).is_ok());
    assert_eq!(
        lookup(U32 | KVM_REG_RISCV_FP_D | 32, &f_only),
        Err(NotFound)
    );
    // AIA CSRs exist without Ssaia (they read as 0).
    assert!(lookup(U64 | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_AIA, &b).is_ok());
    // Smstateen: the host's extension decides, and says EINVAL.
    let sstateen0 = U64 | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_SMSTATEEN;
    assert_eq!(lookup(sstateen0, &b), Err(Invalid));
    let mut host_only = bare();
    host_only.host_isa = bit(IsaExtId::SMSTATEEN);
    assert!(lookup(sstateen0, &host_only).is_ok());
    assert!(!host_only.lists(parse(sstateen0).unwrap()));
    // ISA single: the host's extension decides; enabled or not.
    let zbb = U64 | KVM_REG_RISCV_ISA_EXT | 13;
    assert_eq!(lookup(zbb, &b), Err(NotFound));
    let mut host_zbb = bare();
    host_zbb.host_isa = 1 << 13;
    assert!(lookup(zbb, &host_zbb).is_ok());
    // SBI single: exists unless unavailable.
    let pmu = U64 | KVM_REG_RISCV_SBI_EXT | 6;
    assert_eq!(lookup(pmu, &qemu_like()), Err(NotFound));
    let sta = U64 | KVM_REG_RISCV_SBI_EXT | 10;
    assert!(lookup(sta, &qemu_like()).is_ok());
    // MULTI words and STA state exist on every vCPU.
    for id in [
        U64 | KVM_REG_RISCV_ISA_EXT | KVM_REG_RISCV_ISA_MULTI_EN,
        U64 | KVM_REG_RISCV_SBI_EXT | KVM_REG_RISCV_SBI_MULTI_DIS,
        U64 | KVM_REG_RISCV_SBI_STATE,
        U64 | KVM_REG_RISCV_SBI_STATE | 1,
    ] {
        assert!(lookup(id, &b).is_ok(), "{id:#x}");
        assert!(!b.lists(parse(id).unwrap()));
    }
}

#[test]
fn set_checks_before_the_copy() {
    use RegIdError::*;
    let b = bare();
    // Early-copy classes only check the size before the copy.
    for id in [
        U64 | KVM_REG_RISCV_CONFIG | 99,
        U64 | KVM_REG_RISCV_CONFIG | 1, // Zicbom absent
        U64 | KVM_REG_RISCV_CSR | 99,
        U64 | KVM_REG_RISCV_CSR | KVM_REG_RISCV_CSR_SMSTATEEN | 5,
        U64 | KVM_REG_RISCV_ISA_EXT | 99,
        U64 | KVM_REG_RISCV_SBI_STATE | 9 << 16,
        U64 | KVM_REG_RISCV_SBI_EXT | 99,
    ] {
        assert_eq!(set_precheck(id, &b, false), Ok(()), "{id:#x}");
        assert!(lookup(id, &b).is_err());
        assert_eq!(
            set_precheck(id & !KVM_REG_SIZE_MASK, &b, false),
            Err(BadSize)
        );
    }
    // Late-copy classes check everything before the copy.
    for (id, err) in [
        (U64 | KVM_REG_RISCV_CORE | 33, NotFound),
        (U32 | KVM_REG_RISCV_CORE, BadSize),
        (U64 | KVM_REG_RISCV_TIMER | 4, NotFound),
        (U32 | KVM_REG_RISCV_FP_F, NotFound),
        (U64 | KVM_REG_RISCV_VECTOR | 4, NotFound),
    ] {
        assert_eq!(set_precheck(id, &b, false), Err(err), "{id:#x}");
    }
    assert_eq!(
        set_precheck(U64 | KVM_REG_RISCV_FP_F, &full(), false),
        Err(BadSize)
    );
    assert_eq!(
        set_precheck(U32 | KVM_REG_RISCV_FP_F, &full(), false),
        Ok(())
    );
    // SBI extensions are frozen once the vCPU ran, whatever the id,
    // but the size is checked first.
    let sbi = U64 | KVM_REG_RISCV_SBI_EXT | 99;
    assert_eq!(set_precheck(sbi, &full(), true), Err(Busy));
    assert_eq!(
        set_precheck(U32 | KVM_REG_RISCV_SBI_EXT, &full(), true),
        Err(BadSize)
    );
    // Nothing else is frozen at this stage.
    assert_eq!(
        set_precheck(U64 | KVM_REG_RISCV_ISA_EXT | 3, &full(), true),
        Ok(())
    );
    assert_eq!(
        set_precheck(U64 | KVM_REG_RISCV_CONFIG, &full(), true),
        Ok(())
    );
}

#[test]
fn sbi_single_set_checks_the_value_first() {
    use RegIdError::*;
    let q = qemu_like();
    let pmu = U64 | KVM_REG_RISCV_SBI_EXT | 6; // unavailable
    let bogus = U64 | KVM_REG_RISCV_SBI_EXT | 99;
    let time = U64 | KVM_REG_RISCV_SBI_EXT | 1;
    assert_eq!(lookup_set(pmu, 2, &q), Err(BadValue));
    assert_eq!(lookup_set(bogus, 2, &q), Err(BadValue));
    assert_eq!(lookup_set(pmu, 1, &q), Err(NotFound));
    assert_eq!(lookup_set(bogus, 0, &q), Err(NotFound));
    assert!(lookup_set(time, 1, &q).is_ok());
    assert_eq!(lookup_set(time, u64::MAX, &q), Err(BadValue));
    // MULTI words take any value; other subtypes stay ENOENT.
    let multi = U64 | KVM_REG_RISCV_SBI_EXT | KVM_REG_RISCV_SBI_MULTI_EN;
    assert!(lookup_set(multi, u64::MAX, &q).is_ok());
    assert_eq!(
        lookup_set(U64 | KVM_REG_RISCV_SBI_EXT | 3 << 16, 2, &q),
        Err(NotFound)
    );
    // ISA singles reject values only after the id (caller's job).
    assert_eq!(
        lookup_set(U64 | KVM_REG_RISCV_ISA_EXT | 62, 2, &q),
        Err(NotFound)
    );
    // Elsewhere lookup_set is lookup.
    assert_eq!(lookup_set(U32 | KVM_REG_RISCV_SBI_EXT, 2, &q), Err(BadSize));
    assert_eq!(
        lookup_set(U64 | KVM_REG_RISCV_CORE, 2, &q),
        lookup(U64 | KVM_REG_RISCV_CORE, &q)
    );
}

#[test]
fn no_input_panics() {
    let mut descs = descs();
    let mut odd = full();
    odd.vlenb = 0;
    descs.push(odd);
    odd.vlenb = 24; // not a power of two
    descs.push(odd);
    odd.vlenb = u64::MAX;
    descs.push(odd);
    odd.vlenb = 1 << 63;
    descs.push(odd);
    let mut checked = 0u32;
    for arch in [0u64, 0x80, 0xff] {
        for size in 0..16u64 {
            for ty in (0..=16u64).chain([0x7f, 0xff]) {
                for sub in [0u64, 1, 2, 3, 0xff] {
                    for idx in (0..70u64).chain([0xffff, 1 << 32, 0xf_ffff << 32]) {
                        let id = arch << 56 | size << 52 | ty << 24 | sub << 16 | idx;
                        let p = parse(id);
                        if let Ok(reg) = p {
                            assert_eq!(encode(reg), id & !KVM_REG_ARCH_MASK | KVM_REG_RISCV);
                            assert_eq!(reg_size(id), reg.size());
                        }
                        for d in &descs {
                            let l = lookup(id, d);
                            // A vCPU only ever narrows what parse accepts.
                            if p.is_err() {
                                assert!(l.is_err());
                            }
                            if let Ok(reg) = l {
                                assert_eq!(p, Ok(reg));
                            }
                            let _ = set_precheck(id, d, size & 1 == 0);
                            let _ = lookup_set(id, idx, d);
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 50_000);
    // Odd vlenb values still yield a full, well-formed list.
    for d in &descs {
        assert_eq!(reg_ids(d).count(), reg_count(d));
    }
}
