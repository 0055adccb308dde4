"""Designed batch experiments: specs, designs, executors and a store that loses nothing.

Shaped like Mesa 4's experiment layer (``Scenario`` / ``RunConfiguration`` / ``Store``)
so that moving to it later is a swap, not a rewrite.
"""
