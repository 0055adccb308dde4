"""Overplay's Mesa agents (supplier state, importer states, firms, producers) and actions."""
