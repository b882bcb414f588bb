// Graded tests for ex04_producer_consumer: being written.
