"""What the engine reads a text as: analyzers, word segmentation, the views an article is scored on."""
