// Graded tests for ex07_thread_pool_factorials: being written.
