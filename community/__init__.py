"""The community domain: categories, threads, posts, votes, revisions; policies, services, queries, events."""
