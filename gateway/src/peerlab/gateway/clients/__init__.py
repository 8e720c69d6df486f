"""REST clients of the services behind the gateway; the caller's bearer token is forwarded on every call."""
