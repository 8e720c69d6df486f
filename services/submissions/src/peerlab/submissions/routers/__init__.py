"""REST routers under ``/v1``."""
