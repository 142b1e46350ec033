"""From what a reader types to which documents match and how they score."""
