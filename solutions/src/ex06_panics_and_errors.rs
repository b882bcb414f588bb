//! Panics and errors in concurrent code.
