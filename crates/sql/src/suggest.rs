//! "Did you mean" hints: known names close to a misspelt one, by the workspace's one rule
//! ([`rask_core::suggest::closest`]).

/// The names among `known` closest to `name`, best first.
pub(super) fn closest<'k>(known: impl IntoIterator<Item = &'k str>, name: &str) -> Vec<&'k str> {
    rask_core::suggest::closest(name, known)
}
