// SPDX-License-Identifier: GPL-2.0

//! `kvm_info!`: log lines in the format of the C backend's `kvm_info()`.
//!
//! Users and scripts grep for `kvm [PID]: ...` at load, so the prefix must
//! be exactly that rather than the `kvm: ` that `pr_info!` would add.

/// Logs like the C backend's `kvm_info()`; a newline is appended.
macro_rules! kvm_info {
    ($($arg:tt)*) => {
        $crate::glue::kvm_info_args(format_args!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use kvm_info;
