"""published layer."""
