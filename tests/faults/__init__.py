"""Fault injection: the sync engine under killed workers, lost responses and replays."""
