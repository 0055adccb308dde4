"""``overplay seminar``: teams play countries against the live model, each from its own
browser, with the session kept in SQLite so that nothing is lost to a restart.

``store`` holds the database, ``session`` the game's rules (joining, submitting,
resolving a round exactly once), both without any web framework, so that they can be
tested directly and the web layer stays thin.
"""
