//! Ctrl-C (SIGINT) and SIGTERM during a batch run (`rask adl`, `rask query`, `rask convert`):
//! the unfinished output files are removed and the process exits with status 130.
//!
//! Outputs are written through `rask_core::atomic`, which lists every temporary file in flight;
//! the handler removes them ([`rask_core::atomic::interrupt`]), so a run stopped at any moment
//! leaves only complete files. SIGKILL cannot be caught: a run killed that way may leave a
//! hidden `.<name>.<random>.tmp.<ext>` file in the output directory.

/// Installs the handler (once per process; it runs on a thread of its own, not in signal
/// context).
///
/// ```no_run
/// rask::interrupt::install()?;
/// // ... a long run writing outputs ...
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn install() -> Result<(), ctrlc::Error> {
    ctrlc::set_handler(|| {
        let removed = rask_core::atomic::interrupt();
        if removed > 0 {
            eprintln!("interrupted: removed {removed} unfinished output file(s)");
        } else {
            eprintln!("interrupted");
        }
        std::process::exit(130);
    })
}
