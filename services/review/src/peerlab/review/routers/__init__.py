"""HTTP routers under /v1: thin, they parse, authorise and call the service functions."""
