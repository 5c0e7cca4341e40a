//! Running the engine from Python: on its own thread, the GIL released, while the calling thread
//! wakes every 20 ms to let Python handle signals — Ctrl-C (a `KeyboardInterrupt`) cancels the
//! run, which stops within one morsel.

use std::time::Duration;

use pyo3::prelude::*;
use rask_exec::Cancel;

/// Runs `job` with a fresh cancel flag; a signal handler's error (Ctrl-C) cancels it.
pub fn interruptible<T: Send>(
    py: Python<'_>,
    job: impl FnOnce(&Cancel) -> PyResult<T> + Send,
) -> PyResult<T> {
    let cancel = Cancel::default();
    std::thread::scope(|s| {
        let flag = &cancel;
        let handle = s.spawn(move || job(flag));
        while !handle.is_finished() {
            py.detach(|| std::thread::sleep(Duration::from_millis(20)));
            if let Err(interrupt) = py.check_signals() {
                cancel.cancel();
                let _ = py.detach(move || handle.join());
                return Err(interrupt);
            }
        }
        match py.detach(move || handle.join()) {
            Ok(result) => result,
            Err(_) => Err(crate::errors::ExecError::new_err(
                "internal error: the engine's thread panicked",
            )),
        }
    })
}
