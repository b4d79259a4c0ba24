"""Counts of single-choice answers: counting, the relations between published figures,
disclosure control over all of them, and the tables, charts and reports made from them."""
