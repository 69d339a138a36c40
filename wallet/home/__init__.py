"""The start page and the dashboard of each role."""
