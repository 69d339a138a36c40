"""Reports: what the money did, for the fund, its board and the public."""
