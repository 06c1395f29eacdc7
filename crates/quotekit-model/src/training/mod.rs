//! What every trainer shares: the events and reports of a run, its options
//! (checkpoints, resume, caches), early stopping, and the prepared training
//! data (gold tag ids, batches by size, dev F1).

pub mod data;
pub mod events;
pub mod options;
pub mod run_state;
