"""Typed, immutable records of what the service returns, and the enums they use."""
