"""Factor models on correlation matrices: extraction, rotation, parallel analysis."""
