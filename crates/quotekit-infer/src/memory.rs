//! How the programs that run models (the `quotekit` binary, the Python
//! package) keep their memory: both use mimalloc as the global allocator,
//! and [`keep_freed_pages`] stops it from handing freed memory back to the
//! system, except while they train ([`HandBackFreedPages`]).

/// mimalloc's `mi_option_purge_delay`: its place in `mi_option_e` (the same
/// in mimalloc 2 and 3; the crate names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc 3's own purge delay (ms): freed pages go back a second after.
const DEFAULT_PURGE_DELAY: std::ffi::c_long = 1000;

/// Tells mimalloc never to hand freed memory back to the system. The
/// encoder tagger frees and allocates tensors of megabytes for every batch;
/// each purge made the kernel zero their pages again on the next use (12% of
/// tagging in `perf`). Measured on PolNeAR dev, one core: 1,850–2,000 →
/// 2,130–2,190 words/s. A run's memory stays at its peak until it ends.
/// Harmless where mimalloc is not the global allocator.
#[allow(unsafe_code)] // a foreign call; see the SAFETY note
pub fn keep_freed_pages() {
    // SAFETY: mi_option_set only stores an option value; mimalloc reads
    // the purge delay each time it considers purging.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

/// While it lives, mimalloc hands freed memory back to the system (its own
/// default), and when it is dropped keeps it again. For training: a
/// fine-tuning's tensors come in as many sizes as its batches, and memory
/// kept for one size and not reused for another grew past 22 GB fine-tuning
/// MPNet on a 24 GB machine, where handed back it stays at 5–8 GB (15 GB at
/// its peak). (A process-wide setting: tagging on another thread meanwhile
/// is slower, not wrong.)
#[derive(Debug)]
pub struct HandBackFreedPages(());

impl HandBackFreedPages {
    /// Freed pages go back from now on, until the value is dropped.
    #[allow(unsafe_code)] // a foreign call; see the SAFETY note
    pub fn new() -> Self {
        // SAFETY: as in `keep_freed_pages`.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, DEFAULT_PURGE_DELAY) }
        Self(())
    }
}

impl Default for HandBackFreedPages {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for HandBackFreedPages {
    fn drop(&mut self) {
        keep_freed_pages();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(unsafe_code)] // foreign calls that only read and store options
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reading mimalloc options has no preconditions.
        let default = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // mimalloc 3's default purge delay (ms): the index names that option.
            assert_eq!(default, 1000);
        }
        keep_freed_pages();
        // SAFETY: as above.
        let set = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(set, -1);
        let training = HandBackFreedPages::new();
        // SAFETY: as above.
        let handed = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(handed, DEFAULT_PURGE_DELAY);
        drop(training);
        // SAFETY: as above.
        let kept = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(kept, -1);
    }
}
