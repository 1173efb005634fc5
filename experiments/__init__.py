"""Recorded runs: experiments too long for the test suite, whose JSON records the pages render."""
