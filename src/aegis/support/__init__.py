"""Providers, referrals, emergency grants and relocation."""
