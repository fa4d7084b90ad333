"""The ground every package stands on: the database handle, domain errors, time types,
the transaction wrapper and the event log. Imports nothing of ours."""
