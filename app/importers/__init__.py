"""Readers of other communities' exports; each hands rows to community.imports in batches."""
