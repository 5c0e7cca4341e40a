//! Output names: the names of a query's outputs (`AS q1`) become file names (`q1.json`,
//! `q1.png`), so they are plain names that cannot leave the output directory.
//!
//! The rule ([`OUTPUT_NAME_RULE`]): one to [`MAX_OUTPUT_NAME_LEN`] characters from
//! `A-Z a-z 0-9 _ . -`, the first a letter, a digit or `_` (so never `.`, `..`, a hidden file
//! or an option-like `-x`). In regex terms `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.

/// The longest output name.
pub const MAX_OUTPUT_NAME_LEN: usize = 128;

/// The rule in words, for error messages and documentation.
pub const OUTPUT_NAME_RULE: &str = "an output name is 1 to 128 characters from A-Z a-z 0-9 _ . -, \
     starting with a letter, a digit or _";

/// An output name that breaks the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("output name {shown}: {reason} ({rule})", rule = OUTPUT_NAME_RULE)]
pub struct BadOutputName {
    /// The name, quoted with escapes (`"a\nb"`), so control characters show.
    pub shown: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Checks that `name` can be a file name inside an output directory (see the module docs).
///
/// ```
/// use rask_plan::names::check_output_name;
/// assert!(check_output_name("q6a").is_ok());
/// assert!(check_output_name("met_pt.v2-final").is_ok());
/// for bad in ["", ".", "..", ".hidden", "../../x", "/etc/x", "a/b", "a\nb", "-rf", "é"] {
///     assert!(check_output_name(bad).is_err(), "{bad:?}");
/// }
/// ```
pub fn check_output_name(name: &str) -> Result<(), BadOutputName> {
    let bad = |reason: String| BadOutputName {
        shown: format!("{:?}", shorten(name)),
        reason,
    };
    let Some(first) = name.chars().next() else {
        return Err(bad("it is empty".to_string()));
    };
    if name.len() > MAX_OUTPUT_NAME_LEN {
        return Err(bad(format!(
            "it is {} bytes long, more than {MAX_OUTPUT_NAME_LEN}",
            name.len()
        )));
    }
    if !(first.is_ascii_alphanumeric() || first == '_') {
        return Err(bad(format!("it starts with {first:?}")));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(bad(format!("it contains {c:?}")));
    }
    Ok(())
}

/// At most 40 characters of `name`, for messages.
fn shorten(name: &str) -> String {
    if name.chars().count() <= 40 {
        name.to_string()
    } else {
        let head: String = name.chars().take(40).collect();
        format!("{head}…")
    }
}
