"""Specifications that kill behaviour-changing mutants of the core (see docs/mutation.md)."""
