// SPDX-License-Identifier: GPL-2.0

//! Tests of `RegId`: encoding, sizes and clamping.

use super::*;

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
