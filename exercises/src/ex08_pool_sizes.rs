//! Squares on pools of 2, 4 and 8 processes.
