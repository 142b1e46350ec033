"""The search backends: Whoosh and the posting store in process (local), a Typesense cluster."""
