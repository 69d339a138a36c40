"""Employers (werkgevers): organisations that train new or current staff with a fund."""
