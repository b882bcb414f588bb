// Graded tests for ex05_sharing_data: being written.
