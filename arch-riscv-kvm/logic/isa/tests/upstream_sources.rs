// SPDX-License-Identifier: GPL-2.0

//! Tests that check the ids and the policy against the upstream headers
//! and sources.

use super::*;
use std::string::String;
use std::vec::Vec;

/// Value of `#define`/enumerator `name` in C text `text`, if any.
fn c_value(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let l = l.trim_start().trim_start_matches("#define").trim_start();
        let rest = l.strip_prefix(name)?;
        if !rest.starts_with(|c: char| c.is_whitespace() || c == '=') {
            return None;
        }
        let v = rest.trim_start().trim_start_matches('=').trim();
        Some(v.trim_end_matches(',').trim().into())
    })
}

#[test]
fn every_kvm_id_matches_the_uapi_header() {
    let header = include_str!("../../../../include-uapi/asm/kvm.h");
    for ext in IsaExt::ALL {
        let name = std::format!("KVM_RISCV_ISA_EXT_{}", ext.name());
        let v = c_value(header, &name).unwrap_or_else(|| panic!("{name} missing"));
        let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
        assert_eq!(digits.parse::<u32>().unwrap(), ext.index(), "{name}");
    }
    let max = c_value(header, "KVM_RISCV_ISA_EXT_MAX").unwrap();
    assert!(max.starts_with("62"), "{max}");
}

/// A file of the unpacked kernel trees under build/, which a clean
/// checkout lacks until `make` has run; the pinned numbers above
/// cover that case.
fn build_file(path: &str) -> Option<String> {
    let p = std::format!("{}/../build/{path}", env!("CARGO_MANIFEST_DIR"));
    match std::fs::read_to_string(&p) {
        Ok(s) => Some(s),
        Err(_) => {
            std::eprintln!("skipped: {p} not unpacked");
            None
        }
    }
}

#[test]
fn every_host_id_matches_hwcap_h() {
    let Some(hwcap) = build_file("linux-rust/arch/riscv/include/asm/hwcap.h") else {
        return;
    };
    for ext in IsaExt::ALL {
        let name = ext.name();
        // Single letters are spelt in lower case there.
        let c_name = if name.len() == 1 {
            std::format!("RISCV_ISA_EXT_{}", name.to_ascii_lowercase())
        } else {
            std::format!("RISCV_ISA_EXT_{name}")
        };
        let v = c_value(&hwcap, &c_name).unwrap_or_else(|| panic!("{c_name} missing"));
        let n = if name.len() == 1 {
            u32::from(name.to_ascii_lowercase().as_bytes()[0] - b'a')
        } else {
            v.parse().unwrap()
        };
        assert_eq!(ext.host_id().get(), n, "{c_name} = {v}");
    }
    for (h, name) in [
        (HostExtId::SMAIA, "SMAIA"),
        (HostExtId::ZVE64D, "ZVE64D"),
        (HostExtId::SVVPTC, "SVVPTC"),
        (HostExtId::XLINUXENVCFG, "XLINUXENVCFG"),
    ] {
        let v = c_value(&hwcap, &std::format!("RISCV_ISA_EXT_{name}")).unwrap();
        assert_eq!(v.parse::<u32>().unwrap(), h.get(), "{name}");
    }
    assert_eq!(c_value(&hwcap, "RISCV_ISA_EXT_BASE").unwrap(), "26");
    assert_eq!(c_value(&hwcap, "RISCV_ISA_EXT_MAX").unwrap(), "128");
}

/// `case KVM_RISCV_ISA_EXT_X:` labels of C function `func` in `src`,
/// grouped by the statement they lead to.
fn case_groups(src: &str, func: &str) -> Vec<(BTreeSet<String>, String)> {
    let body = src
        .split_once(&std::format!("{func}(unsigned long ext)\n{{"))
        .unwrap()
        .1;
    let body = body.split_once("\n}\n").unwrap().0;
    let mut groups = Vec::new();
    let mut cur = BTreeSet::new();
    for l in body.lines().map(str::trim) {
        if let Some(c) = l.strip_prefix("case KVM_RISCV_ISA_EXT_") {
            cur.insert(c.trim_end_matches(':').into());
        } else if !cur.is_empty() && !l.starts_with("/*") {
            groups.push((core::mem::take(&mut cur), l.into()));
        }
    }
    groups
}

#[test]
fn policy_matches_upstream_source() {
    let Some(src) = build_file("linux-upstream/arch/riscv/kvm/vcpu_onereg.c") else {
        return;
    };
    let named = |set: &BTreeSet<String>| -> BTreeSet<IsaExt> {
        set.iter()
            .map(|n| *IsaExt::ALL.iter().find(|e| e.name() == n).unwrap())
            .collect()
    };
    // Every entry of kvm_isa_ext_arr, by name.
    let table = src.split_once("kvm_isa_ext_arr[] = {").unwrap().1;
    let table = table.split_once("};").unwrap().0;
    let mut names = BTreeSet::new();
    for l in table.lines().map(str::trim) {
        if let Some(n) = l.strip_prefix("KVM_ISA_EXT_ARR(") {
            names.insert(String::from(n.trim_end_matches("),")));
        } else if let Some(n) = l.strip_prefix("[KVM_RISCV_ISA_EXT_") {
            names.insert(String::from(n.split(']').next().unwrap()));
        }
    }
    assert_eq!(named(&names), IsaExt::ALL.into_iter().collect());

    let no_smstateen = HostIsa::EMPTY;
    let smstateen = host_of(&[HostExtId::SMSTATEEN]);
    let dis = case_groups(&src, "kvm_riscv_vcpu_isa_disable_allowed");
    assert_eq!(dis.len(), 2, "{dis:?}");
    assert_eq!(dis[0].1, "return false;");
    let never: BTreeSet<IsaExt> = IsaExt::ALL
        .into_iter()
        .filter(|&e| !disable_allowed(e, &smstateen))
        .collect();
    assert_eq!(named(&dis[0].0), never);
    assert_eq!(
        dis[1],
        (
            BTreeSet::from([String::from("SSAIA")]),
            String::from("return riscv_has_extension_unlikely(RISCV_ISA_EXT_SMSTATEEN);")
        )
    );
    assert!(!disable_allowed(IsaExt::Ssaia, &no_smstateen));

    let en = case_groups(&src, "kvm_riscv_vcpu_isa_enable_allowed");
    let special: BTreeSet<IsaExt> = en.iter().flat_map(|(s, _)| named(s)).collect();
    assert_eq!(
        special,
        BTreeSet::from([IsaExt::H, IsaExt::Sscofpmf, IsaExt::V])
    );
}
