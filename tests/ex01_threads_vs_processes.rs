// Graded tests for ex01_threads_vs_processes: being written.
