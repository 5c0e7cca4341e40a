//! Histogram descriptions of the plan turned into core histograms.

use rask_core::hist::{Axis, StorageKind};
use rask_plan::types::{Axis as PlanAxis, Storage};

/// The core axis of a plan axis (flow bins on, as in `hist`'s defaults).
pub fn core_axis(a: &PlanAxis) -> Axis {
    match a {
        PlanAxis::Regular {
            bins,
            lo,
            hi,
            label,
        } => Axis::Regular {
            bins: *bins,
            lower: *lo,
            upper: *hi,
            underflow: true,
            overflow: true,
            name: label.clone(),
            label: label.clone(),
        },
        PlanAxis::Variable { edges, label } => Axis::Variable {
            edges: edges.clone(),
            underflow: true,
            overflow: true,
            name: label.clone(),
            label: label.clone(),
        },
        PlanAxis::Integer { lo, hi, label } => Axis::Integer {
            lower: *lo,
            upper: *hi,
            underflow: true,
            overflow: true,
            name: label.clone(),
            label: label.clone(),
        },
        PlanAxis::IntCategory { categories, label } => Axis::IntCategory {
            categories: categories.clone(),
            flow: true,
            name: label.clone(),
            label: label.clone(),
        },
        PlanAxis::StrCategory { categories, label } => Axis::StrCategory {
            categories: categories.clone(),
            flow: true,
            name: label.clone(),
            label: label.clone(),
        },
        PlanAxis::Boolean { label } => Axis::Boolean {
            name: label.clone(),
            label: label.clone(),
        },
    }
}

/// The core storage kind of a plan storage.
pub fn core_storage(s: Storage) -> StorageKind {
    match s {
        Storage::Int => StorageKind::Int,
        Storage::Double => StorageKind::Double,
        Storage::Weight => StorageKind::Weight,
    }
}
