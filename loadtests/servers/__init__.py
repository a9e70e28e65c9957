"""Socket.IO servers no one here wrote the protocol of: the test beds for protocol profiles."""
