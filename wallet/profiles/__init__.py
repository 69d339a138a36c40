"""A worker's own profile: the facts schemes decide eligibility from."""
