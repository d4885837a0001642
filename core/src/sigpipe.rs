//! SIGPIPE never ends the process because of a connection of ours.
//!
//! Socket writes go through `writev`, which has no `MSG_NOSIGNAL`: a write to a connection the server has reset
//! raises SIGPIPE, whose default action ends the process. Rust and Python programs ignore SIGPIPE, but a C program
//! linking the library usually does not, and a library must not change a process-wide disposition. So the signal is
//! blocked where the library writes: for good in the shared runtime's threads (they belong to the library), and for
//! the length of a [`block_on`](crate::blocking::block_on) in the caller's thread, where a SIGPIPE raised meanwhile
//! is taken off the thread before its mask is restored. The write itself then fails with `EPIPE`, an error of the
//! call.
//!
//! Together with `legacy_sha1.rs`, the only `unsafe` of the core crate: three libc calls on a signal set.
#![allow(unsafe_code)]

/// SIGPIPE as a one-member signal set.
fn sigpipe_set() -> libc::sigset_t {
    // SAFETY: sigset_t is plain data; sigemptyset initialises it before sigaddset reads it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        set
    }
}

/// Blocks SIGPIPE in the calling thread for the rest of its life (a runtime thread at its start).
pub(crate) fn block_in_this_thread() {
    let set = sigpipe_set();
    // SAFETY: a valid set, and no old mask asked for.
    unsafe {
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// SIGPIPE blocked in the calling thread while this lives; dropping it discards a SIGPIPE raised meanwhile and
/// restores the thread's mask.
pub(crate) struct Blocked {
    /// Whether SIGPIPE was blocked already (then nothing is restored or discarded).
    was_blocked: bool,
}

impl Blocked {
    pub(crate) fn new() -> Blocked {
        let set = sigpipe_set();
        // SAFETY: valid sets; `old` is written by the call.
        let was_blocked = unsafe {
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old) == 0
                && libc::sigismember(&old, libc::SIGPIPE) == 1
        };
        Blocked { was_blocked }
    }
}

impl Drop for Blocked {
    fn drop(&mut self) {
        if self.was_blocked {
            return;
        }
        discard_pending();
        let set = sigpipe_set();
        // SAFETY: a valid set, and no old mask asked for.
        unsafe {
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        }
    }
}

/// Whether a SIGPIPE is pending for this thread (raised while blocked).
fn pending() -> bool {
    // SAFETY: sigpending writes the zeroed set.
    unsafe {
        let mut pending: libc::sigset_t = std::mem::zeroed();
        libc::sigpending(&mut pending) == 0 && libc::sigismember(&pending, libc::SIGPIPE) == 1
    }
}

/// Takes a pending SIGPIPE off this thread, so that unblocking does not deliver it.
fn discard_pending() {
    if pending() {
        let set = sigpipe_set();
        let zero = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: a valid set and a zero timeout: it returns at once, taking the pending SIGPIPE.
        unsafe {
            libc::sigtimedwait(&set, std::ptr::null_mut(), &zero);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked_now() -> bool {
        // SAFETY: reads this thread's mask into a zeroed set.
        unsafe {
            let mut current: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut current);
            libc::sigismember(&current, libc::SIGPIPE) == 1
        }
    }

    #[test]
    fn a_sigpipe_raised_while_blocked_is_taken_off_before_the_mask_is_restored() {
        std::thread::spawn(|| {
            assert!(!blocked_now());
            let blocked = Blocked::new();
            assert!(blocked_now());
            // SAFETY: raise sends SIGPIPE to this thread, where it is blocked: it stays pending (Linux keeps a
            // blocked signal pending even when its disposition is to ignore it, as the test harness's is).
            unsafe { libc::raise(libc::SIGPIPE) };
            assert!(pending());
            discard_pending();
            assert!(!pending(), "unblocking will deliver nothing");
            drop(blocked);
            assert!(!blocked_now(), "the mask is restored");
        })
        .join()
        .expect("thread");
    }

    #[test]
    fn runtime_threads_keep_sigpipe_blocked() {
        std::thread::spawn(|| {
            block_in_this_thread();
            assert!(blocked_now());
            let nested = Blocked::new();
            drop(nested);
            assert!(
                blocked_now(),
                "a nested guard leaves a blocked signal blocked"
            );
        })
        .join()
        .expect("thread");
    }
}
