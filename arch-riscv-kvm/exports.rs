// SPDX-License-Identifier: GPL-2.0

//! A build-time check that the hooks the backend exports to generic KVM
//! have the prototypes C declares for them.
//!
//! Generic KVM calls `kvm_arch_*` by the prototypes of `<linux/kvm_host.h>`
//! (and `asm/kvm_host.h`); bindgen has the same declarations in `bindings`.
//! A `#[no_mangle]` function that differs (an argument's type, a return
//! type) links all the same and is called wrongly. [`c_prototypes!`] makes
//! each differing hook a type error: both functions are coerced to one
//! function-pointer type, whose argument and return types are inferred
//! from bindgen's declaration.

/// Fails the build unless each listed hook of the calling module has the
/// type of its namesake in `bindings`; `name(_, _)` gives the arity.
macro_rules! c_prototypes {
    ($($name:ident($($arg:tt),*);)*) => {
        #[allow(dead_code)]
        fn _c_prototypes() {
            fn same<F: Copy>(_: F, _: F) {}
            $(
                same(
                    kernel::bindings::$name as unsafe extern "C" fn($($arg),*) -> _,
                    $name as unsafe extern "C" fn($($arg),*) -> _,
                );
            )*
        }
    };
}
pub(crate) use c_prototypes;
