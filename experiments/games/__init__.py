"""Game-theoretic solving on top of well-kept libraries (pygambit, nashpy)."""
