"""Search: the SearchBackend protocol, the Whoosh and database backends, indexing (its issue comes next)."""
