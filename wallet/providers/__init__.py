"""Training providers (opleiders): organisations, their status and verification."""
