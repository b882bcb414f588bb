//! The synchronisation primitives the hand-built parts of the solutions use,
//! behind one facade so they can be model-checked.
//!
//! In a normal build these are `std`'s own types. With the `shuttle` feature
//! they are [shuttle](https://docs.rs/shuttle)'s drop-in replacements, whose
//! scheduler explores many thread interleavings (`cargo test -p solutions
//! --features shuttle --lib model_check`). Code that should be model-checked
//! imports from `crate::sync`, never from `std::sync` or `std::thread`
//! directly.

#[cfg(not(feature = "shuttle"))]
pub use std::sync::{
    Arc, Barrier, Condvar, Mutex, MutexGuard, RwLock, atomic, mpsc,
};
#[cfg(not(feature = "shuttle"))]
pub use std::thread;

#[cfg(feature = "shuttle")]
pub use shuttle::sync::{
    Arc, Barrier, Condvar, Mutex, MutexGuard, RwLock, atomic, mpsc,
};
#[cfg(feature = "shuttle")]
pub use shuttle::thread;
