"""Lab-PC adapters for vendor control software (optional; never imported unless configured)."""
