//! How the programs that run models (the `quotekit` binary, the Python
//! package) keep their memory: both use mimalloc as the global allocator,
//! and [`keep_freed_pages`] stops it from handing freed memory back to the
//! system; [`release_freed_pages_lazily`] lets it hand memory back only when
//! the system needs it.

/// mimalloc's `mi_option_purge_delay`: its place in `mi_option_e` (the same
/// in mimalloc 2 and 3; the crate names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc's `mi_option_purge_decommits`: its place in `mi_option_e`.
const MI_OPTION_PURGE_DECOMMITS: libmimalloc_sys::mi_option_t = 5;

/// Tells mimalloc to hand freed memory back lazily (`MADV_FREE`): the
/// kernel takes the pages only when it needs memory, and until then using
/// them again costs nothing. For fine-tuning, whose tensors come in as many
/// sizes as its batches, so that keeping every freed page
/// ([`keep_freed_pages`]) grew past 22 GB of a 24 GB machine with MPNet,
/// while handing pages back at once made the kernel zero them again on the
/// next batch (26% of the time in `perf`). Measured fine-tuning MPNet on
/// PolNeAR train, both cores, over the same first 18 batches: 124 → 151
/// words/s. The process's resident size still counts the pages until the
/// kernel takes them. Harmless where mimalloc is not the global allocator;
/// `MIMALLOC_PURGE_DECOMMITS` set in the environment wins.
pub fn release_freed_pages_lazily() {
    set_option(MI_OPTION_PURGE_DECOMMITS, "MIMALLOC_PURGE_DECOMMITS", 0);
}

/// Sets mimalloc's `option` to `value`, unless the environment sets it
/// (`variable`, as mimalloc reads it).
#[allow(unsafe_code)] // a foreign call; see the SAFETY note
fn set_option(option: libmimalloc_sys::mi_option_t, variable: &str, value: std::ffi::c_long) {
    if std::env::var_os(variable).is_some() {
        return;
    }
    // SAFETY: mi_option_set only stores an option value; mimalloc reads the
    // options it purges by each time it considers purging.
    unsafe { libmimalloc_sys::mi_option_set(option, value) }
}

/// Tells mimalloc never to hand freed memory back to the system. The
/// encoder tagger frees and allocates tensors of megabytes for every batch;
/// each purge made the kernel zero their pages again on the next use (12% of
/// tagging in `perf`). Measured on PolNeAR dev, one core: 1,850–2,000 →
/// 2,130–2,190 words/s. A run's memory stays at its peak until it ends.
/// Harmless where mimalloc is not the global allocator. A purge delay set
/// in the environment (`MIMALLOC_PURGE_DELAY`, in milliseconds) wins: with
/// `0`, resident memory follows what is in use, as a leak check needs.
pub fn keep_freed_pages() {
    set_option(MI_OPTION_PURGE_DELAY, "MIMALLOC_PURGE_DELAY", -1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(unsafe_code)] // foreign calls that only read and store options
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reading mimalloc options has no preconditions.
        let default = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return; // the environment's choice, which keep_freed_pages leaves
        }
        // mimalloc 3's default purge delay (ms): the index names that option.
        assert_eq!(default, 1000);
        keep_freed_pages();
        // SAFETY: as above.
        let set = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(set, -1);
    }

    #[test]
    #[allow(unsafe_code)] // foreign calls that only read and store options
    fn the_purge_decommits_option_is_the_one_set() {
        // SAFETY: reading mimalloc options has no preconditions.
        let default = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DECOMMITS) };
        if std::env::var_os("MIMALLOC_PURGE_DECOMMITS").is_some() {
            return; // the environment's choice, which the function leaves
        }
        // Decommitting is mimalloc's default: the index names that option.
        assert_eq!(default, 1);
        release_freed_pages_lazily();
        // SAFETY: as above.
        let set = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DECOMMITS) };
        assert_eq!(set, 0);
    }
}
