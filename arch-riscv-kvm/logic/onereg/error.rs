// SPDX-License-Identifier: GPL-2.0

//! [`RegIdError`]: why a register id is rejected, and with which errno.

/// Why upstream rejects a register id, and with which errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegIdError {
    /// No such register, or not on this vCPU: `-ENOENT`.
    NotFound,
    /// The size field does not match the register: `-EINVAL`.
    BadSize,
    /// A register class that answers `-EINVAL` rather than `-ENOENT` for
    /// a register it lacks (Smstateen CSRs, SBI state).
    Invalid,
    /// The value written is rejected before the id is (SBI extension
    /// single registers): `-EINVAL`.
    BadValue,
    /// The setting can no longer change because the vCPU has run:
    /// `-EBUSY`.
    Busy,
}

impl RegIdError {
    /// The negative errno the ioctl returns, as the C backend returns it.
    pub const fn to_errno(self) -> i32 {
        const ENOENT: i32 = 2;
        const EBUSY: i32 = 16;
        const EINVAL: i32 = 22;
        match self {
            RegIdError::NotFound => -ENOENT,
            RegIdError::BadSize | RegIdError::Invalid | RegIdError::BadValue => -EINVAL,
            RegIdError::Busy => -EBUSY,
        }
    }
}
