"""Imported once by the forkserver that starts a sweep's workers (see :mod:`pool`): the
workers' code, the model, and its compiled loops, so that every worker forked from the
forkserver has them loaded instead of importing and loading them itself."""

from contextlib import suppress

# A failure here must not take the forkserver down (it survives only ImportError): the
# workers then import and load on their own, and a real problem shows in each run's error.
with suppress(Exception):
    import overplay.experiments.sweep.pool  # the workers' initializer
    import overplay.experiments.sweep.work  # noqa: F401 -- the workers' code and the model
    from overplay.model.compiled import load_compiled_loops

    load_compiled_loops()
