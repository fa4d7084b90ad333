"""Reputation: the ledger, the points rules, the daily cap and ranks (badges and privileges to come)."""
