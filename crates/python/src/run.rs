//! Running the engine from Python: on its own thread, the GIL released, while the calling thread
//! waits for its result and wakes every 20 ms to let Python handle signals — Ctrl-C (a
//! `KeyboardInterrupt`) cancels the run, which stops within one morsel. The result is taken as
//! soon as it is there (a run of 1 ms returns after 1 ms, not after the next 20 ms tick).

use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::Duration;

use pyo3::prelude::*;
use rask_exec::Cancel;

/// How often the waiting thread lets Python handle signals.
const SIGNAL_CHECK: Duration = Duration::from_millis(20);

/// Runs `job` with a fresh cancel flag; a signal handler's error (Ctrl-C) cancels it.
pub fn interruptible<T: Send>(
    py: Python<'_>,
    job: impl FnOnce(&Cancel) -> PyResult<T> + Send,
) -> PyResult<T> {
    let cancel = Cancel::default();
    std::thread::scope(|s| {
        let flag = &cancel;
        let (done, mut result) = channel();
        let handle = s.spawn(move || {
            // The receiver is gone only when the caller stopped waiting (a signal): nothing to
            // tell it then.
            let _ = done.send(job(flag));
        });
        loop {
            // The receiver goes into the GIL-free closure and comes back (it is `Send`, not
            // `Sync`).
            let (back, received) = py.detach(move || {
                let r = result.recv_timeout(SIGNAL_CHECK);
                (result, r)
            });
            result = back;
            match received {
                Ok(out) => {
                    let _ = py.detach(move || handle.join());
                    return out;
                }
                Err(RecvTimeoutError::Timeout) => {
                    if let Err(interrupt) = py.check_signals() {
                        cancel.cancel();
                        let _ = py.detach(move || handle.join());
                        return Err(interrupt);
                    }
                }
                // The engine's thread ended without a result: it panicked.
                Err(RecvTimeoutError::Disconnected) => {
                    let _ = py.detach(move || handle.join());
                    return Err(crate::errors::ExecError::new_err(
                        "internal error: the engine's thread panicked",
                    ));
                }
            }
        }
    })
}
