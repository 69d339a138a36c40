"""User administration and opening funds, for platform administrators."""
