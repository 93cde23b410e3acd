"""Use cases: the one write path per kind of record, called by every edge (REST, office pages, sync, CLI, seed).

Services call the domain rules, auth and the models; they never import an edge.
"""
