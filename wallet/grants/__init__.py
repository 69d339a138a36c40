"""Grants: budgets granted to workers, by hand, by CSV, by allocation, first come or lottery."""
