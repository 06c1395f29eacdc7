//! Input that may keep a run waiting (standard input, a named pipe), read
//! on a thread of its own so that the run sees its interrupt while a read
//! waits.

use crate::error::InferError;
use crate::input::Records;
use quotekit_model::training::options::Interrupt;

/// How often a run reading a pipe looks at its interrupt while the read
/// waits.
const POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// `records` read on a thread of their own, one at a time (each handed
/// over before the next is read: memory stays the batch's): while a read
/// waits (standard input, a pipe that gives nothing, or little), an
/// interrupt ends them within [`POLL`], so that the records taken before it
/// are annotated, written whole and the run stops. (The reading thread
/// stays in its read until the process ends.)
pub(crate) fn polled(records: Records, interrupt: Interrupt) -> Records {
    let (sender, receiver) = std::sync::mpsc::sync_channel(0);
    let mut reader = Some(std::thread::spawn(move || {
        for record in records {
            if sender.send(record).is_err() {
                return;
            }
        }
    }));
    Box::new(std::iter::from_fn(move || loop {
        use std::sync::mpsc::RecvTimeoutError;
        if interrupt.is_set() {
            return None;
        }
        match receiver.recv_timeout(POLL) {
            Ok(record) => return Some(record),
            Err(RecvTimeoutError::Timeout) => {}
            // (The input's end, or its reader's failure, which is said.)
            Err(RecvTimeoutError::Disconnected) => {
                let failed = reader.take().is_some_and(|r| r.join().is_err());
                return failed.then(|| {
                    Err(InferError::Usage(
                        "the input's reading stopped on a failure of quotekit's (a panic); \
                         the records after it were not read"
                            .into(),
                    ))
                });
            }
        }
    }))
}
