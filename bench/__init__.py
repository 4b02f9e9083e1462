"""isobench harness."""
