"""The same search on a Typesense cluster (``VNSEARCH_BACKEND=typesense``).

Typesense stores the documents and our own analysis of them, replicates both across
the cluster with Raft, and answers filters, facets, date sorting, pagination and
candidate retrieval. The Vietnamese analysis and the BM25 ranking stay ours: each
article is indexed as the tokens of :mod:`search.analysis` (folded syllables, pairs of
adjacent syllables, accented syllables), the document frequencies of every view are
written beside it at build time, and the candidates Typesense returns are scored in
Python with the formula of :mod:`search.query.ranking` (see :mod:`.scoring`). Every
Typesense call of the project lives in this package.
"""
