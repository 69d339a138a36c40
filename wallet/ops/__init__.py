"""What an operator needs: health checks (and metrics later)."""
