//! Producer and consumer with a lock.
