"""Demo data for `make run`: a fund, a provider and one login per role."""
