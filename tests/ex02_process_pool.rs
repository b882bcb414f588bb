// Graded tests for ex02_process_pool: being written.
