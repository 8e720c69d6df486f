"""Domain rules of the submissions service: keyword-only functions that never commit."""
