"""Funds: the money pots that grant learning budgets."""
