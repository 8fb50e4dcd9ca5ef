"""Checking filings: subjects, derived values, the engine run, findings, batches in worker processes."""
