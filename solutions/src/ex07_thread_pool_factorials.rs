//! Factorials on a thread pool.
