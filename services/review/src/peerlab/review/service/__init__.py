"""Domain rules of the review service: keyword-only functions that take a session and never commit."""
