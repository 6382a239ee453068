// SPDX-License-Identifier: GPL-2.0

//! Tests of the SBI extensions a new vCPU starts with.

use super::*;

#[test]
fn initial_status_as_upstream_offers_it() {
    for sta in [false, true] {
        let status = initial_status(sta);
        for id in ALL_IDS {
            let want = match id {
                SbiExtId::PMU => SbiExtStatus::Unavailable,
                SbiExtId::STA if !sta => SbiExtStatus::Unavailable,
                SbiExtId::DBCN => SbiExtStatus::Disabled,
                _ => SbiExtStatus::Enabled,
            };
            assert_eq!(status[id.get() as usize], want, "{id:?} with sta={sta}");
        }
    }
}
