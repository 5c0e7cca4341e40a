//! The words of `.open NAME FILE... [TREE]`.
//!
//! The last word is the tree when there are at least two words after NAME, it is not a file or
//! directory on disk and it does not end in `.root` or `.parquet` (a missing `x.root` is a
//! missing file, reported as such by the reader). Otherwise every word is a file and the tree is
//! the default one (`rask sql --tree`, `Events`).

use std::path::Path;

/// `.open` without a name or files, or with a table name SQL cannot use.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OpenError {
    #[error("usage: .open NAME FILE... [TREE] (e.g. `.open events data/nano-20k.root Events`)")]
    Usage,
    #[error("'{0}' cannot name a table: use letters, digits and _, starting with a letter or _")]
    Name(String),
}

/// Whether `word` names a file by its extension.
fn file_like(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    lower.ends_with(".root") || lower.ends_with(".parquet")
}

/// Reads `NAME FILE... [TREE]`: the table name, the files and the tree (`default_tree` when no
/// tree is given).
///
/// ```
/// use rask::repl::open_args;
/// let (name, files, tree) = open_args(&["hzz", "data/HZZ.root", "events"], "Events").unwrap();
/// assert_eq!((name.as_str(), files, tree.as_str()), ("hzz", vec!["data/HZZ.root".to_string()], "events"));
/// let (_, files, tree) = open_args(&["e", "data/nano-20k.root"], "Events").unwrap();
/// assert_eq!((files.len(), tree.as_str()), (1, "Events"));
/// assert!(open_args(&["e"], "Events").is_err());
/// ```
pub fn open_args(
    words: &[&str],
    default_tree: &str,
) -> Result<(String, Vec<String>, String), OpenError> {
    let [name, rest @ ..] = words else {
        return Err(OpenError::Usage);
    };
    let mut chars = name.chars();
    let name_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !name_ok {
        return Err(OpenError::Name(name.to_string()));
    }
    let (files, tree) = match rest {
        [] => return Err(OpenError::Usage),
        [files @ .., last]
            if !files.is_empty() && !Path::new(last).exists() && !file_like(last) =>
        {
            (files, *last)
        }
        files => (files, default_tree),
    };
    Ok((
        name.to_string(),
        files.iter().map(|f| f.to_string()).collect(),
        tree.to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Result<(String, Vec<String>, String), OpenError> {
        open_args(words, "Events")
    }

    #[test]
    fn the_last_word_is_a_tree_unless_it_is_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.root");
        let tree_named_file = dir.path().join("Events");
        std::fs::write(&a, b"").unwrap();
        std::fs::write(&tree_named_file, b"").unwrap();
        let a = a.to_str().unwrap();
        let f = tree_named_file.to_str().unwrap();
        assert_eq!(
            parse(&["t", a, "Tree"]).unwrap(),
            ("t".into(), vec![a.to_string()], "Tree".into())
        );
        // A word that is a file on disk is a file, even without an extension.
        assert_eq!(
            parse(&["t", a, f]).unwrap(),
            (
                "t".into(),
                vec![a.to_string(), f.to_string()],
                "Events".into()
            )
        );
        // A missing file with a ROOT or Parquet extension stays a file (the reader says so).
        assert_eq!(
            parse(&["t", a, "missing.ROOT"]).unwrap().1,
            vec![a.to_string(), "missing.ROOT".to_string()]
        );
        // One word after the name is always a file.
        assert_eq!(parse(&["t", "Tree"]).unwrap().1, vec!["Tree".to_string()]);
        assert_eq!(parse(&[]), Err(OpenError::Usage));
        assert_eq!(parse(&["t"]), Err(OpenError::Usage));
        assert_eq!(parse(&["1x", a]), Err(OpenError::Name("1x".into())));
        assert_eq!(parse(&["a.b", a]), Err(OpenError::Name("a.b".into())));
    }
}
