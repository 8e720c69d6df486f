"""Publishing (outbox) and handling (consumer) of events."""
