//! Python's signals (Ctrl-C) during long work done without the
//! interpreter: training, a search, a batch of records to annotate.

use pyo3::prelude::*;
use quotekit_model::training::options::Interrupt;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

/// Whether work is done, which its thread says when it ends, done or
/// panicking (on drop).
#[derive(Default)]
struct Done(Mutex<bool>, Condvar);

impl Done {
    /// Waits up to `timeout` for the work to end; true once it has.
    fn wait(&self, timeout: Duration) -> bool {
        let done = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let (done, _) = self
            .1
            .wait_timeout_while(done, timeout, |done| !*done)
            .unwrap_or_else(PoisonError::into_inner);
        *done
    }
}

/// Says [`Done`] when dropped.
struct Saying<'d>(&'d Done);

impl Drop for Saying<'_> {
    fn drop(&mut self) {
        *self.0 .0.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.0 .1.notify_all();
    }
}

/// Runs `work` (a training run, a search or a batch to annotate, which
/// `interrupt` stops) on a thread of its own, the interpreter released. On
/// Python's main thread, the only one that runs signal handlers, this
/// thread looks for signals every 50 ms while the work goes on (and comes
/// back as soon as it is done: a batch of one short text takes no 50 ms):
/// the first signal's exception (Ctrl-C's KeyboardInterrupt) sets
/// `interrupt`, and is raised once the work has stopped. On any other
/// thread it waits for the work, released, and comes back to the
/// interpreter once, when the work is done, with its own thread state. It
/// had come back every 50 ms, as a thread new to the interpreter, and from
/// a daemon thread while the interpreter shut down that crashed the process
/// (probe 64: a segmentation fault in `PyThreadState_New`). A panic of the
/// work is raised as Python's `PanicException`.
pub(crate) fn with_signals<T: Send>(
    py: Python<'_>,
    interrupt: &Interrupt,
    work: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    let threading = py.import("threading")?;
    let main = threading
        .call_method0("main_thread")?
        .is(&threading.call_method0("current_thread")?);
    let done = Done::default();
    std::thread::scope(|scope| {
        let run = scope.spawn(|| {
            let _saying = Saying(&done);
            work()
        });
        let mut signal = None;
        // (On another thread, no wait here: the join below waits.)
        while main && !py.detach(|| done.wait(Duration::from_millis(50))) {
            if signal.is_none() {
                if let Err(e) = py.check_signals() {
                    signal = Some(e);
                    interrupt.set();
                }
            }
        }
        let out = py
            .detach(|| run.join())
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        match signal {
            Some(e) => Err(e),
            None => Ok(out),
        }
    })
}
