// SPDX-License-Identifier: GPL-2.0

//! Random writes that must keep the vCPU inside the host and the policy.

use super::*;

/// xorshift64*, for reproducible pseudo-random sequences.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn random_writes_keep_the_vcpu_inside_host_and_policy() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..300 {
        // Random hosts, H always present.
        let host = HostIsa([rng.next() | 1 << 7, rng.next()]);
        let mut vec = rng.next() & 1 != 0;
        let mut isa = initial_vcpu_isa(&host, vec);
        let mut ran = false;
        for _ in 0..40 {
            let before = isa;
            let ext = IsaExt::ALL[(rng.next() % 62) as usize];
            let value = match rng.next() % 4 {
                0 => 0,
                1 => 1,
                2 => rng.next() & KVM_RISCV_BASE_ISA_MASK >> 1,
                _ => rng.next(),
            };
            let res = match rng.next() % 5 {
                0 => set_config_isa(&mut isa, &host, value, ran, vec),
                1 => ext_set(&mut isa, &host, id(ext), value & 1, ran, vec),
                2 => ext_set(&mut isa, &host, id(ext), value, ran, vec),
                3 => Ok(ext_set_multi(
                    &mut isa,
                    &host,
                    word0(),
                    value,
                    true,
                    ran,
                    vec,
                )),
                _ => Ok(ext_set_multi(
                    &mut isa,
                    &host,
                    word0(),
                    value,
                    false,
                    ran,
                    vec,
                )),
            };
            if res.is_err() || res == Ok(IsaWrite::Unchanged) || ran {
                assert_eq!(isa, before, "failed or no-op writes change nothing");
            }
            assert!(!isa.has_ext(IsaExt::H));
            // Only mapped host ids, and only what the host has.
            let w = isa.words();
            assert_eq!(w[0] & !host.0[0], 0);
            assert_eq!(w[1] & !host.0[1], 0);
            let mapped = IsaExt::ALL.iter().fold([0u64; 2], |mut m, e| {
                let (i, b) = e.host_id().pos();
                m[i] |= b;
                m
            });
            assert_eq!(w[0] & !mapped[0], 0);
            assert_eq!(w[1] & !mapped[1], 0);
            // Undisableable extensions the host has never go away.
            for e in IsaExt::ALL {
                if host.has_ext(e) && !disable_allowed(e, &host) && before.has_ext(e) {
                    assert!(isa.has_ext(e), "{e:?}");
                }
            }
            assert_eq!(
                ext_get_multi(&isa, &host, word0()),
                vcpu_kvm_isa_bitmap(&isa) & kvm_isa_bitmap(&host)
            );
            if rng.next() & 15 == 0 {
                ran = true;
            }
            if rng.next() & 7 == 0 {
                vec = !vec;
            }
        }
    }
}
