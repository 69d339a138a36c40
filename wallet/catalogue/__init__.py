"""The course catalogue: courses and runs of verified providers, imports, search, matching."""
