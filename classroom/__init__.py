"""The classroom: the model in a browser for instructors and first-time users.

``overplay dashboard`` (Mesa's SolaraViz, offline) lives here; what it shares with
other front ends, such as the action log in plain words, is in its own modules.
"""
