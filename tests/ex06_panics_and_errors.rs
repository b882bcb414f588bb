// Graded tests for ex06_panics_and_errors: being written.
