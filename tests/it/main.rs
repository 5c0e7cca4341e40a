//! Integration tests of the `rask` facade and command line, linked into one binary.

mod cli;
mod q8;
mod slt;
