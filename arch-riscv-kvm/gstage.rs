// SPDX-License-Identifier: GPL-2.0

//! The G-stage MMU of a VM: its root page table.
//!
//! The table format comes from `logic::gstage`; this module owns the memory.

use kernel::prelude::*;

use crate::glue::Pages;
use crate::logic::gstage::GStageMode;

/// Root of a VM's G-stage page table: four zeroed, 16 KiB-aligned pages.
pub(crate) struct GStage {
    mode: GStageMode,
    #[expect(
        dead_code,
        reason = "owned here, walked once guests can fault pages in"
    )]
    root: Pages,
}

impl GStage {
    /// Allocates an empty table in `mode`.
    pub(crate) fn new(mode: GStageMode) -> Result<Self> {
        Ok(GStage {
            mode,
            root: Pages::zeroed(GStageMode::ROOT_TABLE_ORDER)?,
        })
    }

    /// The table's format.
    pub(crate) fn mode(&self) -> GStageMode {
        self.mode
    }
}
