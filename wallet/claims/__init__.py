"""Claims: providers invoice applications, fund administrators review them."""
