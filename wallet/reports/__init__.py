"""Reports of a fund: what its money did, for its board, its funders and the public."""
