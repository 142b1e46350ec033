"""What is learned from the corpus at index time: abbreviations, accented forms."""
