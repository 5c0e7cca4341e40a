//! Cull: keep only what the requested outputs need.
//!
//! Before: an arena with every expression the user built (`a`, `b = a + 1`, `c = a * 2`), outputs `[b]`.
//! After: `a`, `1`, `b`; `c` is gone.

use super::{Plan, Rule, copy_node, rebuild};
use crate::error::PlanError;

/// The cull rule.
pub struct Cull;

impl Rule for Cull {
    fn name(&self) -> &'static str {
        "cull"
    }

    fn rewrite(&self, plan: &Plan) -> Result<Plan, PlanError> {
        // `rebuild` walks only the nodes reachable from the outputs.
        rebuild(plan, self.name(), copy_node)
    }
}
