"""Employer applications (aanvragen) for one or many persons, and the placements they become."""
