"""E-mail verification, one person one budget (signals and grant holds), registration limits."""
