"""Game-theoretic analysis of Overplay's strategic situations.

:mod:`experiments.games.solvers` solves normal-form games (nashpy for two players,
pygambit for three or more) and runs two-population replicator dynamics, so that the
agent-based results can be compared with the equilibria of reduced-form games.
"""
