// SPDX-License-Identifier: GPL-2.0

//! [`IsaError`]: why an ISA write or read is rejected, and with which
//! errno.

use crate::logic::onereg::RegIdError;

/// Why upstream rejects an ISA write or read, and with which errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsaError {
    /// The extension is unknown or not on the host: `-ENOENT`.
    NotFound,
    /// The value is out of range or the change is not allowed: `-EINVAL`.
    Invalid,
    /// The vCPU has run, so its ISA is frozen: `-EBUSY`.
    Busy,
}

impl IsaError {
    /// The negative errno the ioctl returns.
    pub const fn to_errno(self) -> i32 {
        match self {
            IsaError::NotFound => RegIdError::NotFound.to_errno(),
            IsaError::Invalid => RegIdError::BadValue.to_errno(),
            IsaError::Busy => RegIdError::Busy.to_errno(),
        }
    }
}

impl From<IsaError> for RegIdError {
    fn from(e: IsaError) -> Self {
        match e {
            IsaError::NotFound => RegIdError::NotFound,
            IsaError::Invalid => RegIdError::BadValue,
            IsaError::Busy => RegIdError::Busy,
        }
    }
}
