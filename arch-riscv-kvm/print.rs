// SPDX-License-Identifier: GPL-2.0

//! `kvm_info!`: log lines in the format of the C backend's `kvm_info()`.
//!
//! Users and scripts grep for `kvm [PID]: ...` at load, so the prefix must
//! be exactly that rather than the `kvm: ` that `pr_info!` would add.

use core::fmt;
use kernel::bindings;
use kernel::prelude::*;

/// Prints `args` at KERN_INFO as `kvm [<pid of current>]: <args>`.
pub(crate) fn kvm_info_args(args: fmt::Arguments<'_>) {
    let pid = current!().pid();
    // SAFETY: The format is NUL-terminated and consumes exactly an `int`
    // and a `%pA`, which takes a pointer to a `fmt::Arguments` that stays
    // alive for the call.
    unsafe {
        bindings::_printk(
            c"\x016kvm [%i]: %pA".as_ptr(),
            pid,
            core::ptr::from_ref(&args).cast::<core::ffi::c_void>(),
        )
    };
}

/// Logs like the C backend's `kvm_info()`; a newline is appended.
macro_rules! kvm_info {
    ($($arg:tt)*) => {
        $crate::print::kvm_info_args(format_args!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use kvm_info;
