//! The prompt on a terminal (rustyline): persisted history, tab completion, and multi-line
//! statements read line by line under a continuation prompt until the `;`.

use std::borrow::Cow;

use super::Repl;
use super::input::{Splitter, is_quit};

/// The prompt of a new statement.
pub const PROMPT: &str = "rask> ";
/// The prompt of the following lines of a statement not yet ended by `;` (as wide as
/// [`PROMPT`]).
pub const CONTINUATION: &str = " ...> ";

/// The rustyline helper: completion of the session's names.
pub struct Helper {
    pub names: Vec<String>,
}

impl rustyline::completion::Completer for Helper {
    type Candidate = String;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let start = line[..pos]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .map_or(0, |i| i + 1);
        let word = &line[start..pos];
        if word.is_empty() {
            return Ok((start, Vec::new()));
        }
        let lower = word.to_lowercase();
        let found = self
            .names
            .iter()
            .filter(|n| n.to_lowercase().starts_with(&lower))
            .cloned()
            .collect();
        Ok((start, found))
    }
}

impl rustyline::hint::Hinter for Helper {
    type Hint = String;
}
impl rustyline::highlight::Highlighter for Helper {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        _default: bool,
    ) -> Cow<'b, str> {
        Cow::Borrowed(prompt)
    }
}
// Every line is accepted as typed: the session cuts statements at `;` itself, so that each
// following line shows the continuation prompt.
impl rustyline::validate::Validator for Helper {}
impl rustyline::Helper for Helper {}

/// The interactive loop on a terminal: a statement may span lines (` ...> ` until its `;`);
/// Ctrl-C drops the statement being typed, Ctrl-D or `.quit` leaves. Whole statements go into
/// the history (`~/.rask_history`).
pub fn run_interactive(repl: &mut Repl) -> Result<(), Box<dyn std::error::Error>> {
    // Tab as in bash: complete the common prefix, list the candidates on a second Tab.
    let config = rustyline::Config::builder()
        .completion_type(rustyline::CompletionType::List)
        .auto_add_history(false)
        .build();
    let mut rl: rustyline::Editor<Helper, rustyline::history::DefaultHistory> =
        rustyline::Editor::with_config(config)?;
    rl.set_helper(Some(Helper {
        names: repl.names(),
    }));
    // The editor took SIGINT: take it back, so Ctrl-C cancels a running statement.
    if let Err(e) = crate::interrupt::install_cancel(&repl.cancel()) {
        eprintln!("warning: Ctrl-C will not cancel statements: {e}");
    }
    let history =
        std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".rask_history"));
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    println!("rask sql — statements end with ';', .help for help, .quit to leave");
    print!("{}", repl.greeting());
    let mut splitter = Splitter::default();
    // The lines of the statement being typed, for the history.
    let mut typed: Vec<String> = Vec::new();
    loop {
        let prompt = if splitter.is_empty() {
            PROMPT
        } else {
            CONTINUATION
        };
        match rl.readline(prompt) {
            Ok(line) => {
                if splitter.is_empty() && is_quit(&line) {
                    let _ = rl.add_history_entry(line.trim());
                    break;
                }
                typed.push(line.clone());
                let done = splitter.push(&line);
                if splitter.is_empty() {
                    let _ = rl.add_history_entry(typed.join("\n").trim());
                    typed.clear();
                }
                for st in done {
                    print!("{}", repl.execute(&st));
                }
                if let Some(h) = rl.helper_mut() {
                    h.names = repl.names();
                }
            }
            Err(rustyline::error::ReadlineError::Interrupted) => {
                splitter.clear();
                typed.clear();
            }
            Err(rustyline::error::ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(h) = &history {
        let _ = rl.save_history(h);
    }
    Ok(())
}
