"""Bayesian inference: the posterior, emcee chains, the exact grid posterior, credible regions, evidence."""
