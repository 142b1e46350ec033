"""Where the cluster is: nodes and key from the environment, never from the repository."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from search.errors import BackendUnavailable

NODES_VARIABLE = "VNSEARCH_TYPESENSE_NODES"
API_KEY_VARIABLE = "VNSEARCH_TYPESENSE_API_KEY"
COLLECTION_VARIABLE = "VNSEARCH_TYPESENSE_COLLECTION"
DEFAULT_COLLECTION = "vnsearch"


@dataclass(frozen=True)
class Settings:
    nodes: tuple[str, ...]
    api_key: str
    alias: str = DEFAULT_COLLECTION  # the name readers use; it points at one built collection
    timeout_seconds: float = 5.0

    @classmethod
    def from_environment(cls) -> Settings:
        """Nodes (comma-separated URLs), API key and alias from ``VNSEARCH_TYPESENSE_*``."""
        nodes = tuple(n.strip() for n in os.environ.get(NODES_VARIABLE, "").split(",") if n.strip())
        if not nodes:
            raise BackendUnavailable(
                f"{NODES_VARIABLE} is not set: give the cluster's node URLs, "
                "comma-separated (e.g. http://127.0.0.1:8108)"
            )
        for node in nodes:
            url = urlparse(node)
            if url.scheme not in ("http", "https") or not url.hostname:
                raise BackendUnavailable(f"{NODES_VARIABLE}: {node!r} is not an http(s)://host:port URL")
        api_key = os.environ.get(API_KEY_VARIABLE, "")
        if not api_key:
            raise BackendUnavailable(f"{API_KEY_VARIABLE} is not set: the cluster's API key is needed")
        alias = os.environ.get(COLLECTION_VARIABLE) or DEFAULT_COLLECTION
        return cls(nodes, api_key, alias)

    def client(self) -> Any:
        import typesense

        nodes = []
        for node in self.nodes:
            url = urlparse(node)
            port = url.port or (443 if url.scheme == "https" else 80)
            nodes.append(
                {"host": url.hostname, "port": port, "protocol": url.scheme, "path": url.path.rstrip("/")}
            )
        return typesense.Client(
            {
                "nodes": nodes,
                "api_key": self.api_key,
                "connection_timeout_seconds": self.timeout_seconds,
                "num_retries": 2 * len(self.nodes) + 1,
                "retry_interval_seconds": 0.2,
                "healthcheck_interval_seconds": 5,
            }
        )
