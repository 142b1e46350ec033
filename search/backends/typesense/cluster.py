"""The Typesense calls the backend makes, with errors turned into messages for people."""

from __future__ import annotations

import contextlib
import functools
import json
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from search.backends.typesense import records
from search.backends.typesense.settings import Settings
from search.errors import BackendUnavailable, RebuildRunning

T = TypeVar("T")
PAGE = 250  # Typesense's largest page
SEARCHES_PER_REQUEST = 50  # of a multi-search that looks records up by id


def quote(value: str) -> str:
    """A value in a Typesense filter, whatever characters it has."""
    return "`" + value.replace("`", "") + "`"


def any_of(name: str, values: list[str]) -> str:
    """The filter "field ``name`` is one of ``values``"."""
    return f"{name}:=[{','.join(quote(v) for v in values)}]"


def lookups(
    name: str, keys: list[str] | list[int], include_fields: str, field: str = "id"
) -> list[dict[str, Any]]:
    """The searches (one a page of keys) that read the records of collection ``name``
    whose ``field`` is one of ``keys`` (strings, or numbers of a numeric field)."""
    searches = []
    for i in range(0, len(keys), PAGE):
        page = keys[i : i + PAGE]
        numbers = all(isinstance(key, int) for key in page)
        wanted = (
            f"{field}:=[{','.join(map(str, page))}]" if numbers else any_of(field, [str(k) for k in page])
        )
        searches.append(
            {
                "collection": name,
                "q": "*",
                "filter_by": wanted,
                "per_page": len(page),
                "include_fields": include_fields,
            }
        )
    return searches


LOCK_EXPIRY_S = 6 * 3600  # a rebuild of 185k articles takes about 15 minutes


class Cluster:
    """One client for the cluster's nodes (it fails over between them)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.alias = settings.alias
        self.client = settings.client()

    @classmethod
    def from_environment(cls) -> Cluster:
        return cls(Settings.from_environment())

    def _call(self, action: Callable[[], T]) -> T:
        import requests
        from typesense import exceptions

        try:
            return action()
        except (exceptions.RequestUnauthorized, exceptions.RequestForbidden) as error:
            raise BackendUnavailable(
                "the Typesense cluster refused the API key (VNSEARCH_TYPESENSE_API_KEY)"
            ) from error
        except (exceptions.ObjectNotFound, exceptions.RequestMalformed, exceptions.ObjectAlreadyExists):
            raise
        except (requests.RequestException, exceptions.TypesenseClientError, OSError) as error:
            nodes = ", ".join(self.settings.nodes)
            raise BackendUnavailable(f"the Typesense cluster does not answer ({nodes}): {error}") from error

    # -- the rebuild lock ------------------------------------------------------------------
    @contextlib.contextmanager
    def rebuild_lock(self, expiry_s: float = LOCK_EXPIRY_S) -> Iterator[None]:
        """Hold this alias's rebuild lock, or raise :class:`RebuildRunning` at once. The
        lock is a small collection (creating one that exists fails, on every node), so
        any machine's rebuild sees it; one older than ``expiry_s`` belonged to a builder
        that died, and is taken over."""
        from typesense.exceptions import ObjectAlreadyExists

        name = f"{self.alias}.rebuild-lock"  # never a name a rebuild drops (records.build_of)
        schema = {"name": name, "fields": [{"name": "holder", "type": "string"}]}
        try:
            self.create_collection(schema)
        except ObjectAlreadyExists:
            since = float(self._call(lambda: self.client.collections[name].retrieve())["created_at"])
            if time.time() - since < expiry_s:
                raise RebuildRunning(
                    f"another rebuild of the Typesense alias {self.alias!r} is running "
                    f"(since {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(since))}); "
                    "wait for it to finish"
                ) from None
            self.drop_collection(name)  # its builder died: take it over
            self.create_collection(schema)
        try:
            yield
        finally:
            self.drop_collection(name)

    # -- collections and the alias -------------------------------------------------------
    def create_collection(self, schema: dict[str, Any]) -> None:
        self._call(lambda: self.client.collections.create(schema))

    def drop_collection(self, name: str) -> None:
        from typesense.exceptions import ObjectNotFound

        with contextlib.suppress(ObjectNotFound):
            self._call(lambda: self.client.collections[name].delete())

    def count(self, name: str) -> int:
        return int(self._call(lambda: self.client.collections[name].retrieve())["num_documents"])

    def resolve_alias(self) -> str | None:
        """The collection the alias points at, or None when nothing was built yet."""
        from typesense.exceptions import ObjectNotFound

        try:
            return self._call(lambda: self.client.aliases[self.alias].retrieve())["collection_name"]
        except ObjectNotFound:
            return None

    def point_alias(self, name: str) -> None:
        self._call(lambda: self.client.aliases.upsert(self.alias, {"collection_name": name}))

    def drop_older(self, current: str, previous: str | None) -> list[str]:
        """Drop this alias's own builds older than ``previous`` (the collection readers
        had until now, kept for the searches still running on it): only collections
        named as :func:`records.build_name` names them for this alias, never one an
        alias points to, never a newer one (another rebuild's, still importing)."""
        aliases = self._call(lambda: self.client.aliases.retrieve())["aliases"]
        aliased = {alias["collection_name"] for alias in aliases}
        oldest_kept = previous if previous and records.build_of(previous, self.alias) else current
        names = [c["name"] for c in self._call(lambda: self.client.collections.retrieve())]
        dropped = []
        for name in names:
            build = records.build_of(name, self.alias)
            if build is None or build in aliased or build >= oldest_kept:
                continue
            dropped.append(name)
        for name in dropped:
            self.drop_collection(name)
        return dropped

    # -- documents -------------------------------------------------------------------------
    def import_documents(self, name: str, documents: list[dict[str, Any]]) -> None:
        results = self._call(
            lambda: self.client.collections[name].documents.import_(documents, {"action": "upsert"})
        )
        failed = [r for r in results if not r.get("success")]
        if failed:
            raise BackendUnavailable(f"Typesense refused {len(failed)} documents: {failed[0]}")

    def retrieve(self, name: str, doc_id: str) -> dict[str, Any] | None:
        from typesense.exceptions import ObjectNotFound

        try:
            return self._call(lambda: self.client.collections[name].documents[doc_id].retrieve())
        except ObjectNotFound:
            return None

    def lookup(self, name: str, ids: list[str], include_fields: str) -> dict[str, dict[str, Any]]:
        """The records of collection ``name`` with these ids (those it has), by id: one
        request, a search of a page of ids each."""
        searches = lookups(name, ids, include_fields)
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(searches), SEARCHES_PER_REQUEST):
            for result in self.multi_search(searches[start : start + SEARCHES_PER_REQUEST]):
                found.update({hit["document"]["id"]: hit["document"] for hit in result["hits"]})
        return found

    def delete_documents(self, name: str, ids: list[str]) -> None:
        """Delete the records of collection ``name`` with these ids (a page at a time)."""
        documents = self.client.collections[name].documents
        for i in range(0, len(ids), PAGE):
            wanted = {"filter_by": any_of("id", ids[i : i + PAGE])}
            self._call(functools.partial(documents.delete, wanted))

    def export(self, name: str, include_fields: str) -> Iterator[dict[str, Any]]:
        text = self._call(
            lambda: self.client.collections[name].documents.export({"include_fields": include_fields})
        )
        for line in text.splitlines():
            if line.strip():
                yield json.loads(line)

    def search(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        """One search, sent as a POST (a long filter does not fit in a URL)."""
        return self.multi_search([{"collection": name, **params}])[0]

    def multi_search(self, searches: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Several searches in one request; a failed one raises."""
        from typesense.exceptions import RequestMalformed

        common = {"limit_multi_searches": max(50, len(searches))}
        answer = self._call(lambda: self.client.multi_search.perform({"searches": searches}, common))
        results = answer["results"]
        for result in results:
            if "error" in result:
                raise RequestMalformed(result.get("code", 400), result["error"])
        return results
