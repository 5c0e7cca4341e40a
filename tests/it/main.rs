//! Integration tests of the `rask` facade and command line, linked into one binary.

mod cli;
mod corrections_cli;
mod docs;
mod hostile_cli;
mod hostile_sql;
mod plots;
mod q8;
mod repl;
mod repl_cancel;
mod root_output;
mod slt;
mod uhi;
