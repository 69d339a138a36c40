"""Bank details that never change without a second person (issue 13 point 5)."""
