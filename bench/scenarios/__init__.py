"""The bench's phases, in the order bench/run.py runs them: the ceiling (ceiling), the service
under every scenario (service), list scaling (listing) and delete-and-revoke (deletion) on
the service's database, then two instances against one (instances). The peer's phase is
bench/peer."""
