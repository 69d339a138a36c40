"""Funding plans: how a course's price is split over a worker's grants and a co-payment."""
