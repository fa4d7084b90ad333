"""The CRM boundary: contact links, cases, knowledge sync, connectors, the outbox (its issue comes later)."""
