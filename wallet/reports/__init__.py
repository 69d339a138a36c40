"""Reports: what a fund's director, accountant and the public see of the money."""
