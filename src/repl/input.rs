//! Statements from text arriving line by line: cut at `;` outside quotes, dot-commands one line
//! each; the piped session.

use std::borrow::Cow;
use std::io::{BufRead, Write};

use super::Repl;

/// Whether a line is `.quit` or `.exit`, which end the session (on a terminal and from a pipe).
///
/// ```
/// assert!(rask::repl::is_quit(" .quit "));
/// assert!(!rask::repl::is_quit(".schema"));
/// ```
pub fn is_quit(line: &str) -> bool {
    matches!(line.trim().trim_end_matches(';').trim(), ".quit" | ".exit")
}

/// Cuts text arriving line by line into statements at `;` outside quotes; a dot-command is one
/// whole line.
#[derive(Debug, Default)]
pub(super) struct Splitter {
    cur: String,
    quote: bool,
}

impl Splitter {
    /// Adds one line (without its end); returns the statements it completes.
    pub(super) fn push(&mut self, line: &str) -> Vec<String> {
        if !self.quote && self.cur.trim().is_empty() && line.trim_start().starts_with('.') {
            self.cur.clear();
            return vec![line.trim().to_string()];
        }
        let mut out = Vec::new();
        for ch in line.chars() {
            if ch == '\'' {
                self.quote = !self.quote;
            }
            if ch == ';' && !self.quote {
                out.push(std::mem::take(&mut self.cur));
            } else {
                self.cur.push(ch);
            }
        }
        self.cur.push('\n');
        out.retain(|st| !st.trim().is_empty());
        out
    }

    /// Whether no statement text is pending.
    pub(super) fn is_empty(&self) -> bool {
        self.cur.trim().is_empty()
    }

    /// Drops the pending text (Ctrl-C on a continuation line).
    pub(super) fn clear(&mut self) {
        self.cur.clear();
        self.quote = false;
    }

    /// The statement left at the end of the input (without a `;`).
    pub(super) fn finish(self) -> Option<String> {
        Some(self.cur).filter(|st| !st.trim().is_empty())
    }
}

/// Splits piped text into statements at `;` outside quotes; dot-commands end at the line end.
///
/// ```
/// let st = rask::repl::statements("SELECT 'a;b' FROM t;\n.help\nSELECT 1\nFROM t;");
/// assert_eq!(st.len(), 3);
/// assert_eq!(st[1], ".help");
/// ```
pub fn statements(text: &str) -> Vec<String> {
    let mut splitter = Splitter::default();
    let mut out: Vec<String> = text.lines().flat_map(|l| splitter.push(l)).collect();
    out.extend(splitter.finish());
    out
}

/// Runs statements read from a pipe as they arrive, printing each result, until the end of the
/// input or `.quit`. A line that is not valid UTF-8 is reported with its number and the
/// statement it belongs to is skipped; the session goes on.
///
/// ```no_run
/// let mut repl = rask::repl::Repl::new(&["data/nano-20k.root".to_string()], "Events")?;
/// let script = "SELECT count(*) AS n FROM events;\n.schema MET\n";
/// rask::repl::run_piped(&mut repl, script.as_bytes(), std::io::stdout())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_piped(
    repl: &mut Repl,
    mut input: impl BufRead,
    mut out: impl Write,
) -> std::io::Result<()> {
    let mut splitter = Splitter::default();
    // The first line not in UTF-8 of the statement being read.
    let mut bad: Option<usize> = None;
    let mut bytes = Vec::new();
    let mut number = 0;
    loop {
        bytes.clear();
        if input.read_until(b'\n', &mut bytes)? == 0 {
            break;
        }
        number += 1;
        let raw = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let (line, valid) = match std::str::from_utf8(raw) {
            Ok(l) => (Cow::Borrowed(l), true),
            Err(_) => (String::from_utf8_lossy(raw), false),
        };
        if !valid {
            bad.get_or_insert(number);
        }
        for st in splitter.push(&line) {
            match bad {
                Some(n) => writeln!(
                    out,
                    "error: line {n} is not valid UTF-8; the statement is skipped"
                )?,
                None if is_quit(&st) => return Ok(()),
                None => write!(out, "{}", repl.execute(&st))?,
            }
            // Later statements on this line hold only its text.
            bad = if valid { None } else { Some(number) };
        }
        if splitter.is_empty() {
            bad = None;
        }
    }
    match (splitter.finish(), bad) {
        (Some(_), Some(n)) => writeln!(
            out,
            "error: line {n} is not valid UTF-8; the statement is skipped"
        )?,
        (Some(st), None) if !is_quit(&st) => write!(out, "{}", repl.execute(&st))?,
        _ => {}
    }
    Ok(())
}
