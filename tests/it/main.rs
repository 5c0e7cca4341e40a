//! Integration tests of the `rask` facade and command line, linked into one binary.

mod agc;
mod cli;
mod cluster;
mod corrections_cli;
mod docs;
mod fileset;
mod hostile_cli;
mod hostile_sql;
mod plots;
mod q8;
mod repl;
mod repl_cancel;
mod root_output;
mod skim;
mod slt;
mod table_errors;
mod uhi;
