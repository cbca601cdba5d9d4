"""Encrypted, signed bundles between partner organisations."""
