"""Lazy iteration over the service's paged list operations.

:class:`ItemPaged` fetches nothing until it is iterated, then one page at a time. It
stops when the service returns no token, skips an empty page that still carries one,
and raises :class:`~lookout_sdk.errors.PaginationError` if a token comes back twice
(the service would otherwise be listed forever).

:func:`list_operation` makes the listing of any list operation from the bundled
paginator definitions (``paginators-1.json``), which name each operation's input and
output tokens, its page-size key and the key of its results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

from lookout_sdk._boundary import checked
from lookout_sdk.api.registry import bundled_paginators
from lookout_sdk.errors import InvalidInputError, PaginationError

__all__ = ["Call", "FetchPage", "ItemPaged", "PageIterator", "list_operation"]

T = TypeVar("T")

#: Fetch one page: ``(token, page_size) -> (items, next_token)``.
FetchPage = Callable[[str | None, int | None], tuple[Sequence[T], str | None]]

#: Sends one operation with its parameters and returns the answer (``Invoker.call``).
Call = Callable[[str, dict[str, Any]], Mapping[str, Any]]

_SERVICE_MAX_PAGE = 100


class PageIterator(Iterator[list[T]], Generic[T]):
    """Iterates pages (lists of items); ``continuation_token`` resumes after the last one.

    Pass the token to ``by_page(continuation_token=...)``, in this process or another,
    to go on where this iterator stopped.
    """

    def __init__(
        self,
        fetch: FetchPage[T],
        *,
        continuation_token: str | None,
        page_size: int | None,
        max_items: int | None,
    ) -> None:
        self._fetch = fetch
        self._page_size = page_size
        self._remaining = max_items
        self._seen: set[str] = set()
        self._finished = False
        self._repeated: str | None = None
        #: The token of the next page, or ``None`` once the listing is finished.
        self.continuation_token = continuation_token
        if continuation_token:
            self._seen.add(continuation_token)

    def __iter__(self) -> PageIterator[T]:
        return self

    def __next__(self) -> list[T]:
        while True:
            if self._repeated is not None:
                repeated, self._repeated = self._repeated, None
                self._finished = True
                raise PaginationError(f"the service returned the page token {repeated!r} twice")
            if self._finished or (self._remaining is not None and self._remaining <= 0):
                self._finished = True
                raise StopIteration
            limit = self._page_size
            if self._remaining is not None:
                limit = min(limit or _SERVICE_MAX_PAGE, self._remaining)
            items, token = self._fetch(self.continuation_token, limit)
            self._advance(token)
            if items:  # an empty page that still has a token is skipped
                page = list(items)
                if self._remaining is not None:
                    page = page[: self._remaining]
                    self._remaining -= len(page)
                return page

    def _advance(self, token: str | None) -> None:
        if not token:
            self._finished = True
            self.continuation_token = None
            return
        if token in self._seen:
            # Hand out this page's items first; the next step raises.
            self._repeated = token
            return
        self._seen.add(token)
        self.continuation_token = token


@checked
class ItemPaged(Generic[T]):
    """A lazy listing: iterate it for items, or call :meth:`by_page` for pages.

    Args:
        fetch: gets one page from a token and a page size.
        page_size: how many items to ask for per request (1 to 100; the service's
            default when ``None``).
        max_items: stop after this many items in all.
    """

    def __init__(
        self, fetch: FetchPage[T], *, page_size: int | None = None, max_items: int | None = None
    ) -> None:
        if max_items is not None and max_items < 0:
            raise InvalidInputError.of("max_items", f"must be 0 or more, not {max_items}")
        self._fetch = fetch
        self._page_size = page_size
        self._max_items = max_items

    def by_page(self, continuation_token: str | None = None) -> PageIterator[T]:
        """Iterate page by page, optionally from a token an earlier iteration left."""
        return PageIterator(
            self._fetch,
            continuation_token=continuation_token,
            page_size=self._page_size,
            max_items=self._max_items,
        )

    def __iter__(self) -> Iterator[T]:
        for page in self.by_page():
            yield from page

    def first(self) -> T | None:
        """Return the first item, or ``None`` for an empty listing."""
        return next(iter(self), None)

    def to_list(self) -> list[T]:
        """Fetch every page and return all items."""
        return list(self)


def list_operation(
    call: Call,
    operation: str,
    params: Mapping[str, Any],
    item: Callable[[Any], T],
    *,
    page_size: int | None = None,
    max_items: int | None = None,
) -> ItemPaged[T]:
    """The lazy listing of list operation ``operation`` (``"ListModels"``, say).

    Each page is one ``call(operation, params + token + page size)``; each result is
    turned into an item by ``item``. The token, page-size and result keys come from the
    bundled paginator definition of the operation.
    """
    paginator = bundled_paginators()[operation]
    input_token, output_token = paginator["input_token"], paginator["output_token"]
    limit_key, result_key = paginator["limit_key"], paginator["result_key"]

    def fetch(token: str | None, limit: int | None) -> tuple[list[T], str | None]:
        page = call(operation, {**params, input_token: token, limit_key: limit})
        return [item(result) for result in page.get(result_key, ())], page.get(output_token)

    return ItemPaged(fetch, page_size=page_size, max_items=max_items)
