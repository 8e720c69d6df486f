"""The GraphQL schema (strawberry), split per domain."""
