"""Events: what this service publishes (publish) and consumes (handlers)."""
