// SPDX-License-Identifier: GPL-2.0

//! Tests of access widths and of the data an MMIO load or store moves.

use super::*;

#[test]
fn widths() {
    assert_eq!(ALL_WIDTHS.map(Width::bytes), [1, 2, 4, 8]);
    assert_eq!(
        ALL_WIDTHS.map(Width::mask),
        [0xff, 0xffff, 0xffff_ffff, u64::MAX]
    );
    assert_eq!(load(3, Width::Half, false).unwrap().width(), Width::Half);
    assert_eq!(store(3, Width::Double).unwrap().width(), Width::Double);
}

#[test]
fn alignment() {
    for width in ALL_WIDTHS {
        let n = u64::from(width.bytes());
        for base in [0u64, 0x1000_0000, u64::MAX - 15] {
            let base = base & !15;
            for off in 0..16 {
                assert_eq!(width.is_aligned(base + off), off % n == 0);
            }
        }
    }
}

#[test]
fn load_extension() {
    let raw = 0xdead_beef_8765_4321 | (1 << 63);
    // Signed: bit width-1 is copied upward; higher raw bits ignored.
    assert_eq!(load_result(Width::Byte, true, 0x80), 0xffff_ffff_ffff_ff80);
    assert_eq!(load_result(Width::Byte, true, 0x7f), 0x7f);
    assert_eq!(load_result(Width::Byte, true, raw), 0x21);
    assert_eq!(
        load_result(Width::Half, true, 0x8000),
        0xffff_ffff_ffff_8000
    );
    assert_eq!(load_result(Width::Half, true, 0xff_7fff), 0x7fff);
    assert_eq!(load_result(Width::Word, true, raw), 0xffff_ffff_8765_4321);
    assert_eq!(load_result(Width::Word, true, 0x7fff_ffff), 0x7fff_ffff);
    assert_eq!(load_result(Width::Double, true, raw), raw);
    // Unsigned: masked.
    assert_eq!(load_result(Width::Byte, false, raw), 0x21);
    assert_eq!(load_result(Width::Half, false, raw), 0x4321);
    assert_eq!(load_result(Width::Word, false, raw), 0x8765_4321);
    assert_eq!(load_result(Width::Double, false, raw), raw);
    // Same results for every width and every sign bit.
    for width in ALL_WIDTHS {
        let bits = 8 * width.bytes();
        for v in [0u64, 1, 0x55, 1 << (bits - 1), width.mask()] {
            let negative = v >> (bits - 1) & 1 == 1;
            let high = if negative { !width.mask() } else { 0 };
            assert_eq!(load_result(width, true, v), v | high);
            assert_eq!(load_result(width, false, v | !width.mask()), v);
        }
    }
}

#[test]
fn store_masking() {
    let reg = 0x0102_0304_0506_0708;
    assert_eq!(store_value(Width::Byte, reg), 0x08);
    assert_eq!(store_value(Width::Half, reg), 0x0708);
    assert_eq!(store_value(Width::Word, reg), 0x0506_0708);
    assert_eq!(store_value(Width::Double, reg), reg);
}

#[test]
fn mmio_data_is_little_endian() {
    let v = 0x1122_3344_5566_7788;
    assert_eq!(pack_mmio_data(Width::Byte, v), [0x88, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        pack_mmio_data(Width::Half, v),
        [0x88, 0x77, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        pack_mmio_data(Width::Word, v),
        [0x88, 0x77, 0x66, 0x55, 0, 0, 0, 0]
    );
    assert_eq!(
        pack_mmio_data(Width::Double, v),
        [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]
    );
    // Bytes past the access are stale and ignored.
    let data = [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11];
    assert_eq!(unpack_mmio_data(Width::Byte, &data), 0x88);
    assert_eq!(unpack_mmio_data(Width::Half, &data), 0x7788);
    assert_eq!(unpack_mmio_data(Width::Word, &data), 0x5566_7788);
    assert_eq!(unpack_mmio_data(Width::Double, &data), v);
    for width in ALL_WIDTHS {
        assert_eq!(
            unpack_mmio_data(width, &pack_mmio_data(width, v)),
            store_value(width, v)
        );
    }
}

#[test]
fn mmio_load_round_trip() {
    // lh t0,-2(s0) reading 0xfffe from a device: t0 = -2.
    let Some(MmioAccess::Load { rd, width, signed }) = decode_mmio(0xffe4_1283) else {
        panic!("lh not decoded");
    };
    let data = [0xfe, 0xff, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa];
    let value = load_result(width, signed, unpack_mmio_data(width, &data));
    assert_eq!((rd, value), (5, (-2i64) as u64));
}
