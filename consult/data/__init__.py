"""The data layer: named operations on consultations, links and responses.

Routes and CLI commands call these functions rather than the session directly. They
flush but never commit: the request edge (or CLI command) commits once or rolls back.
"""
