"""The model read against history: sourced facts, observation functions, the fit to
2009-2014 (``overplay calibrate``), the out-of-sample table (``overplay
validate-history``) and the pattern-oriented checks."""
