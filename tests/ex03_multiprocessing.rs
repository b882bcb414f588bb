// Graded tests for ex03_multiprocessing: being written.
