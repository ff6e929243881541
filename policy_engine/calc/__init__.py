"""Calculators: one module per policy concept, pure functions returning frozen result objects."""
