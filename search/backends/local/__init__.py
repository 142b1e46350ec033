"""The local backend: Whoosh stored fields beside a numpy posting store, in atomic generations."""
