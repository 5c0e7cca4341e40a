//! Integration tests of the `rask` facade and command line, linked into one binary.

mod cli;
mod corrections_cli;
mod hostile_cli;
mod hostile_sql;
mod q8;
mod slt;
