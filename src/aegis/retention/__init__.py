"""Retention periods, legal holds and expiry by crypto-shredding."""
