"""Frequentist constructions by toys: pseudo-experiments, Feldman-Cousins, CLs, coverage."""
