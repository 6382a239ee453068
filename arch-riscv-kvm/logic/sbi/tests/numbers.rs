// SPDX-License-Identifier: GPL-2.0

//! Tests of the SBI specification numbers and KVM's own.

use super::*;
use std::vec::Vec;

#[test]
fn numbers_match_the_specification() {
    // Extension ids spell their names in ASCII.
    let ascii = |id: u64| -> Vec<u8> {
        id.to_be_bytes()
            .iter()
            .copied()
            .skip_while(|&b| b == 0)
            .collect()
    };
    assert_eq!(ascii(SBI_EXT_TIME), b"TIME");
    assert_eq!(ascii(SBI_EXT_IPI), b"sPI");
    assert_eq!(ascii(SBI_EXT_RFENCE), b"RFNC");
    assert_eq!(ascii(SBI_EXT_HSM), b"HSM");
    assert_eq!(ascii(SBI_EXT_SRST), b"SRST");
    assert_eq!(ascii(SBI_EXT_SUSP), b"SUSP");
    assert_eq!(ascii(SBI_EXT_PMU), b"PMU");
    assert_eq!(ascii(SBI_EXT_DBCN), b"DBCN");
    assert_eq!(ascii(SBI_EXT_STA), b"STA");
    assert_eq!(SBI_EXT_BASE, 0x10);
    assert_eq!(SBI_EXT_EXPERIMENTAL_END + 1, SBI_EXT_VENDOR_START);
    assert_eq!(SBI_EXT_VENDOR_END - SBI_EXT_VENDOR_START, 0xff_ffff);
    // Errors, in specification order.
    assert_eq!(
        [
            SBI_SUCCESS,
            SBI_ERR_FAILURE,
            SBI_ERR_NOT_SUPPORTED,
            SBI_ERR_INVALID_PARAM,
            SBI_ERR_DENIED,
            SBI_ERR_INVALID_ADDRESS,
            SBI_ERR_ALREADY_AVAILABLE,
            SBI_ERR_ALREADY_STARTED,
            SBI_ERR_ALREADY_STOPPED,
            SBI_ERR_NO_SHMEM
        ],
        [0, -1, -2, -3, -4, -5, -6, -7, -8, -9]
    );
    // KVM's identity: SBI v2.0, implementation 3 ("KVM").
    assert_eq!(KVM_SBI_SPEC_VERSION, 0x0200_0000);
    assert_eq!(KVM_SBI_IMPID, 3);
    assert_eq!(kernel_version(6, 12, 117), 396_405);
    assert_eq!(kernel_version(4, 9, 337), 0x0004_09ff);
    assert_eq!(KVM_EXIT_RISCV_SBI, 35);
    // KVM SBI ids follow enum KVM_RISCV_SBI_EXT_ID.
    for (n, id) in ALL_IDS.iter().enumerate() {
        assert_eq!(id.get() as usize, n);
    }
}
