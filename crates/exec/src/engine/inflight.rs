//! The morsels of one run being evaluated, so that a run returns only when none is.
//!
//! When a run ends early (cancelled, or another partition failed), DataFusion drops the other
//! partitions' tasks, but a task in the middle of a morsel finishes it on its worker thread
//! after `collect` has returned, and then calls the progress callback. [`InFlight::end`] waits
//! for such morsels and stops new ones, so no work of a run (and no callback) outlives it.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Morsels in flight and whether the run has ended.
#[derive(Debug, Default)]
pub(super) struct InFlight {
    state: Mutex<(usize, bool)>,
    idle: Condvar,
}

/// One morsel being evaluated: dropping it (also on a panic) lets [`InFlight::end`] go on.
pub(super) struct Morsel(Arc<InFlight>);

impl InFlight {
    fn lock(&self) -> MutexGuard<'_, (usize, bool)> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A morsel may start: `None` once the run has ended.
    pub(super) fn enter(this: &Arc<InFlight>) -> Option<Morsel> {
        let mut s = this.lock();
        if s.1 {
            return None;
        }
        s.0 += 1;
        Some(Morsel(this.clone()))
    }

    /// Ends the run: no morsel starts after this, and it returns when none is running.
    pub(super) fn end(&self) {
        let mut s = self.lock();
        s.1 = true;
        while s.0 > 0 {
            s = self.idle.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl Drop for Morsel {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        s.0 -= 1;
        if s.0 == 0 {
            self.0.idle.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_waits_for_running_morsels_and_stops_new_ones() -> Result<(), Box<dyn std::error::Error>>
    {
        let runs = Arc::new(InFlight::default());
        let morsel = InFlight::enter(&runs).ok_or("a morsel before the end is refused")?;
        let (tx, rx) = std::sync::mpsc::channel();
        let ender = {
            let runs = runs.clone();
            std::thread::spawn(move || {
                runs.end();
                // (If the test stopped listening there is no one to tell.)
                let _ = tx.send(());
            })
        };
        // `end` waits while the morsel runs...
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(100))
                .is_err()
        );
        drop(morsel);
        // ...and returns once it is done; no morsel starts afterwards.
        rx.recv_timeout(std::time::Duration::from_secs(10))?;
        ender.join().map_err(|_| "the ending thread panicked")?;
        assert!(InFlight::enter(&runs).is_none());
        Ok(())
    }
}
