//! Mapped files that shrink while they are read: an error, never a signal.
//!
//! Touching a page of a mapped file past the file's current end raises `SIGBUS`, which by
//! default kills the process. Every mapping rask reads is registered here while it lives; a
//! process-wide `SIGBUS` handler, installed with the first registration (and again by a later
//! one when something replaced it), replaces a faulting page
//! of a registered mapping with a page of zeros (an anonymous `MAP_FIXED` mapping over it) and
//! marks the mapping hit, so the faulting read resumes and reads zeros. The reader checks the mark
//! after every basket ([`Registration::was_hit`]) and reports the file as changed: the zeros are
//! never taken for data. A signal at any other address goes to the handler that was there before
//! (Python's `faulthandler`, a debugger's), or, when there was none, kills the process as it
//! would have.
//!
//! The handler only loads and stores atomics and makes one `mmap` system call. The registry is a
//! fixed table of [`SLOTS`] entries: a mapping that finds it full is not made (the file is read
//! with `pread`).

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// How many mappings can be guarded at once (more are refused; the files are read with `pread`).
pub(crate) const SLOTS: usize = 256;

/// A slot's `len` while it is being filled in.
const CLAIMED: usize = usize::MAX;

/// One registered mapping: its address range, and whether a page of it was replaced.
struct Slot {
    start: AtomicUsize,
    /// 0: free; [`CLAIMED`]: being filled in; else the mapping's length.
    len: AtomicUsize,
    hit: AtomicBool,
}

static TABLE: [Slot; SLOTS] = [const {
    Slot {
        start: AtomicUsize::new(0),
        len: AtomicUsize::new(0),
        hit: AtomicBool::new(false),
    }
}; SLOTS];

/// The `SIGBUS` disposition before ours (leaked once; read by the handler).
static PREVIOUS: AtomicPtr<libc::sigaction> = AtomicPtr::new(std::ptr::null_mut());

/// The system's page size, read when the handler is installed.
static PAGE: AtomicUsize = AtomicUsize::new(4096);

/// A mapping registered with the guard; dropping it unregisters the mapping (drop it before the
/// mapping is unmapped).
#[derive(Debug)]
pub(crate) struct Registration {
    slot: usize,
}

impl Registration {
    /// Registers the mapping of `len` bytes at `start`; `None` when the handler could not be
    /// installed or every slot is taken (the caller then does not map).
    pub(crate) fn new(start: *const u8, len: usize) -> Option<Registration> {
        if len == 0 || !installed() {
            return None;
        }
        let slot = TABLE.iter().position(|s| {
            s.len
                .compare_exchange(0, CLAIMED, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        })?;
        let s = &TABLE[slot];
        s.start.store(start as usize, Ordering::Release);
        s.hit.store(false, Ordering::Release);
        s.len.store(len, Ordering::Release);
        Some(Registration { slot })
    }

    /// Whether a read of the mapping faulted (the file shrank under it) since it was registered.
    pub(crate) fn was_hit(&self) -> bool {
        TABLE[self.slot].hit.load(Ordering::Acquire)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        TABLE[self.slot].len.store(0, Ordering::Release);
    }
}

/// Installs the handler, or installs it again when something replaced it since (Python's
/// `faulthandler.disable()` restores the disposition it found, dropping ours); whether it is in
/// place. One `sigaction` query per mapping made.
fn installed() -> bool {
    static INSTALL: Mutex<()> = Mutex::new(());
    let _one_at_a_time = INSTALL.lock().unwrap_or_else(PoisonError::into_inner);
    let ours_addr = on_sigbus as *const () as usize;
    // SAFETY: plain libc calls with valid pointers; `sysconf` has no preconditions.
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGBUS, std::ptr::null(), &mut current) != 0 {
            return false;
        }
        if current.sa_sigaction == ours_addr {
            return true;
        }
        let page = libc::sysconf(libc::_SC_PAGESIZE);
        if page > 0 {
            PAGE.store(page as usize, Ordering::Relaxed);
        }
        let mut ours: libc::sigaction = std::mem::zeroed();
        ours.sa_sigaction = ours_addr;
        ours.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut ours.sa_mask);
        // The disposition found is kept for good (a handler may still be passing a signal to
        // an earlier one), so it is leaked, once per installation.
        let previous = Box::into_raw(Box::new(std::mem::zeroed::<libc::sigaction>()));
        if libc::sigaction(libc::SIGBUS, &ours, previous) != 0 {
            drop(Box::from_raw(previous));
            return false;
        }
        PREVIOUS.store(previous, Ordering::Release);
        true
    }
}

/// The registered slot holding `addr`, if any.
fn slot_of(addr: usize) -> Option<&'static Slot> {
    TABLE.iter().find(|s| {
        let len = s.len.load(Ordering::Acquire);
        let start = s.start.load(Ordering::Acquire);
        len != 0 && len != CLAIMED && addr >= start && addr - start < len
    })
}

/// The `SIGBUS` handler (see the module's notes).
extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    // SAFETY: the kernel passes a valid `siginfo_t` to an `SA_SIGINFO` handler.
    let addr = unsafe { (*info).si_addr() } as usize;
    if let Some(slot) = slot_of(addr) {
        let page = PAGE.load(Ordering::Relaxed);
        let at = addr & !(page - 1);
        // SAFETY: the page lies in a live mapping of ours (registered until before its unmap);
        // replacing it with a private anonymous page only changes what reads of it see.
        let replaced = unsafe {
            libc::mmap(
                at as *mut c_void,
                page,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if replaced != libc::MAP_FAILED {
            slot.hit.store(true, Ordering::Release);
            return;
        }
    }
    // SAFETY: `PREVIOUS` was filled in before our handler was installed and is never freed.
    unsafe { pass_on(sig, info, context) }
}

/// Hands the signal to the disposition that was there before ours; the default (or "ignore",
/// which cannot stop a fault) is restored and the fault re-raised by returning.
unsafe fn pass_on(sig: libc::c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    let previous = PREVIOUS.load(Ordering::Acquire);
    // SAFETY: a non-null `previous` is the leaked, fully written disposition.
    let handler = if previous.is_null() {
        libc::SIG_DFL
    } else {
        unsafe { (*previous).sa_sigaction }
    };
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        // SAFETY: restoring the default disposition; returning re-executes the faulting access,
        // which now ends the process as it would have without us.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
        return;
    }
    // SAFETY: `handler` is the address of the function the previous disposition named, of the
    // signature its flags say.
    unsafe {
        if (*previous).sa_flags & libc::SA_SIGINFO != 0 {
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut c_void) =
                std::mem::transmute(handler);
            f(sig, info, context);
        } else {
            let f: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
            f(sig);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// The tests that fault or change SIGBUS's disposition run one at a time (a default
    /// disposition put back by one while another faults would end the test process).
    static SIGNALS: Mutex<()> = Mutex::new(());

    #[test]
    fn a_page_past_the_end_of_a_shrunk_file_reads_zeros_and_marks_the_mapping() {
        let _alone = SIGNALS.lock().unwrap_or_else(PoisonError::into_inner);
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&[7u8; 3 * 4096]).unwrap();
        // SAFETY: a private temporary file, shrunk below on purpose; reads past its end are
        // what the guard turns into zeros.
        let map = unsafe { memmap2::Mmap::map(&file) }.unwrap();
        let guard = Registration::new(map.as_ptr(), map.len()).unwrap();
        assert_eq!(map[5000], 7);
        assert!(!guard.was_hit());
        file.set_len(4096).unwrap();
        // Past the new end: without the guard this read would be a SIGBUS.
        let past = unsafe { std::ptr::read_volatile(map.as_ptr().add(2 * 4096 + 10)) };
        assert_eq!(past, 0);
        assert!(guard.was_hit());
        // The page still in the file reads as before.
        assert_eq!(unsafe { std::ptr::read_volatile(map.as_ptr().add(10)) }, 7);
        drop(guard);
    }

    #[test]
    fn the_guard_comes_back_after_another_handler_replaced_it() {
        let _alone = SIGNALS.lock().unwrap_or_else(PoisonError::into_inner);
        let data = [0u8; 64];
        drop(Registration::new(data.as_ptr(), data.len()).unwrap());
        // As `faulthandler.disable()` does: the default disposition put back.
        // SAFETY: restoring SIGBUS's default disposition; nothing faults in this test meanwhile.
        unsafe { libc::signal(libc::SIGBUS, libc::SIG_DFL) };
        drop(Registration::new(data.as_ptr(), data.len()).unwrap());
        let mut current: libc::sigaction = unsafe { std::mem::zeroed() };
        // SAFETY: a query of the disposition into a valid struct.
        assert_eq!(
            unsafe { libc::sigaction(libc::SIGBUS, std::ptr::null(), &mut current) },
            0
        );
        assert_eq!(current.sa_sigaction, on_sigbus as *const () as usize);
    }

    #[test]
    fn slots_are_freed_when_registrations_drop() {
        let data = [0u8; 64];
        let taken: Vec<_> = (0..8)
            .map(|_| Registration::new(data.as_ptr(), data.len()).unwrap())
            .collect();
        let slots: Vec<usize> = taken.iter().map(|r| r.slot).collect();
        drop(taken);
        for s in slots {
            assert_eq!(TABLE[s].len.load(Ordering::Acquire), 0);
        }
    }
}
