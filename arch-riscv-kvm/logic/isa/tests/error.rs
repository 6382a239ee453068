// SPDX-License-Identifier: GPL-2.0

//! Tests of the errnos and of what a write reports.

use super::*;

#[test]
fn errnos() {
    assert_eq!(IsaError::NotFound.to_errno(), ENOENT);
    assert_eq!(IsaError::Invalid.to_errno(), EINVAL);
    assert_eq!(IsaError::Busy.to_errno(), EBUSY);
    for e in [IsaError::NotFound, IsaError::Invalid, IsaError::Busy] {
        assert_eq!(RegIdError::from(e).to_errno(), e.to_errno());
    }
    assert!(!IsaWrite::Unchanged.needs_fp_reset());
    assert!(IsaWrite::Written.needs_fp_reset());
}
