// SPDX-License-Identifier: GPL-2.0

//! Addresses, one type per address space, so that a guest-physical
//! address cannot be passed where the host's is meant, nor the other way
//! round. The logic layer works on plain `u64`s; the conversions are at
//! its boundary.

use crate::logic::gstage::PAGE_SHIFT;

/// A guest-physical address (what the G-stage translates).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Gpa(u64);

impl Gpa {
    pub(crate) const fn new(addr: u64) -> Self {
        Gpa(addr)
    }

    /// The address of a guest-page fault: `htval` holds it shifted right
    /// by 2, `stval`'s low bits the rest.
    pub(crate) const fn of_guest_page_fault(htval: usize, stval: usize) -> Self {
        Gpa(((htval as u64) << 2) | (stval as u64 & 0x3))
    }

    pub(crate) const fn get(self) -> u64 {
        self.0
    }

    /// The guest frame number.
    pub(crate) const fn gfn(self) -> u64 {
        self.0 >> PAGE_SHIFT
    }

    /// The address `offset` bytes further (wrapping, as the guest's).
    pub(crate) const fn add(self, offset: u64) -> Self {
        Gpa(self.0.wrapping_add(offset))
    }
}

/// A host-physical address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hpa(u64);

impl Hpa {
    pub(crate) const fn new(addr: u64) -> Self {
        Hpa(addr)
    }

    /// The start of host page frame `pfn`.
    pub(crate) const fn of_pfn(pfn: u64) -> Self {
        Hpa(pfn << PAGE_SHIFT)
    }

    pub(crate) const fn get(self) -> u64 {
        self.0
    }

    /// The host page frame number.
    pub(crate) const fn pfn(self) -> u64 {
        self.0 >> PAGE_SHIFT
    }
}

/// A host-virtual address in the current task's address space (a
/// memslot's backing memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hva(usize);

impl Hva {
    pub(crate) const fn new(addr: usize) -> Self {
        Hva(addr)
    }

    pub(crate) const fn get(self) -> usize {
        self.0
    }
}
