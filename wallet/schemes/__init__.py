"""Schemes (regelingen): the rules under which a fund grants budgets."""
