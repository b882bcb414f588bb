// Graded tests for ex08_pool_sizes: being written.
