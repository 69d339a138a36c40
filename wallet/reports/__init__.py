"""Reports: what a fund's director, accountant and the public see, computed from the ledger."""
