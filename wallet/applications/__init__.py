"""Applications (aanvragen): a worker's request for a course run, from funding plan to paid."""
