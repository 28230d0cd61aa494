"""Demonstration data of the hand-over (issue 10, "Done when"): territories for 51, 52 and 48,
accounts for the hand-over's roles, and hand-overs in every status, created through the
service so that their events exist. Loaded by ``relais demo`` (``scripts/run``)."""
