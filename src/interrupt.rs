//! Ctrl-C (SIGINT) and SIGTERM during a batch run (`rask adl`, `rask query`, `rask convert`):
//! the unfinished output files are removed and the process exits with status 130.
//!
//! Outputs are written through `rask_core::atomic`, which lists every temporary file in flight;
//! the handler removes them ([`rask_core::atomic::interrupt`]), so a run stopped at any moment
//! leaves only complete files. SIGKILL cannot be caught: a run killed that way may leave a
//! hidden `.<name>.<random>.tmp.<ext>` file in the output directory.
//!
//! At the `rask sql` prompt, the signals cancel the running statement instead
//! ([`install_cancel`]).

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

/// The flag the prompt's SIGINT/SIGTERM handler sets (see [`install_cancel`]).
static PROMPT_CANCEL: std::sync::OnceLock<rask_exec::Cancel> = std::sync::OnceLock::new();

extern "C" fn cancel_on_signal(_signal: libc::c_int) {
    // Async-signal-safe: an atomic load of a set OnceLock and an atomic store.
    if let Some(c) = PROMPT_CANCEL.get() {
        c.cancel();
    }
}

/// Installs the prompt's handler: Ctrl-C (SIGINT) or SIGTERM cancels the running statement
/// (the engine stops between morsels and the prompt prints `cancelled`) instead of ending the
/// process. Call it after the line editor is made (rustyline takes SIGINT for the life of its
/// editor; in raw mode, at the prompt, it reads Ctrl-C as a key); the first `cancel` given is
/// the one set.
///
/// ```no_run
/// let cancel = rask::exec::Cancel::default();
/// rask::interrupt::install_cancel(&cancel)?;
/// let engine = rask::Engine::new(rask::Scheduler::threads()).with_cancel(cancel);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn install_cancel(cancel: &rask_exec::Cancel) -> std::io::Result<()> {
    let _ = PROMPT_CANCEL.set(cancel.clone());
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: `sigaction` is given a zeroed (then filled) struct and a handler that only
        // does async-signal-safe atomic operations; the old action is not needed.
        let failed = unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = cancel_on_signal as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut()) != 0
        };
        if failed {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}
