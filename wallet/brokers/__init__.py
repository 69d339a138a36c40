"""Labour brokers (arbeidsmakelaars): a fund's mobility team and its caseload of employers."""
