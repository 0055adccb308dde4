"""Running Overplay: the command line, single runs and their outputs; bundled scenarios."""
