"""ItemPaged: laziness, pages, tokens, max_items and the edge cases of tokens."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from lookout_sdk import InvalidInputError, ItemPaged, LookoutVision, PaginationError, ProjectSummary
from lookout_sdk.api.registry import bundled_paginators
from lookout_sdk.runtime.paging import list_operation


def projects_page(names: list[str], token: str | None = None) -> dict[str, object]:
    page: dict[str, object] = {
        "Projects": [{"ProjectName": n, "ProjectArn": f"arn:{n}"} for n in names]
    }
    if token is not None:
        page["NextToken"] = token
    return page


def test_nothing_is_fetched_until_iterated(service: LookoutVision, stubber: Stubber) -> None:
    listing = service.list_projects()
    assert isinstance(listing, ItemPaged)
    stubber.assert_no_pending_responses()  # and no request was made: nothing was queued


def test_items_across_pages(service: LookoutVision, stubber: Stubber) -> None:
    stubber.add_response("list_projects", projects_page(["a", "b"], "t1"), {})
    stubber.add_response("list_projects", projects_page(["c"], "t2"), {"NextToken": "t1"})
    stubber.add_response("list_projects", projects_page([]), {"NextToken": "t2"})
    names = [p.name for p in service.list_projects()]
    assert names == ["a", "b", "c"]


def test_empty_page_with_a_token_is_skipped(service: LookoutVision, stubber: Stubber) -> None:
    stubber.add_response("list_projects", projects_page([], "t1"), {"MaxResults": 2})
    stubber.add_response(
        "list_projects", projects_page(["a", "b"], "t2"), {"NextToken": "t1", "MaxResults": 2}
    )
    stubber.add_response(
        "list_projects", projects_page(["c"]), {"NextToken": "t2", "MaxResults": 2}
    )
    pages = list(service.list_projects(page_size=2).by_page())
    assert [[p.name for p in page] for page in pages] == [["a", "b"], ["c"]]


def test_empty_string_token_ends_the_listing(service: LookoutVision, stubber: Stubber) -> None:
    stubber.add_response("list_projects", projects_page(["a"], ""), {})
    assert [p.name for p in service.list_projects()] == ["a"]


def test_repeated_token_raises_instead_of_looping(service: LookoutVision, stubber: Stubber) -> None:
    stubber.add_response("list_projects", projects_page(["a"], "same"), {})
    stubber.add_response("list_projects", projects_page(["b"], "same"), {"NextToken": "same"})
    seen: list[str] = []
    with pytest.raises(PaginationError, match="same"):
        seen.extend(p.name for p in service.list_projects())
    assert seen == ["a", "b"]


def test_max_items_stops_early_and_asks_only_for_what_is_needed(
    service: LookoutVision, stubber: Stubber
) -> None:
    stubber.add_response("list_projects", projects_page(["a", "b", "c"], "t1"), {"MaxResults": 5})
    stubber.add_response(
        "list_projects", projects_page(["d", "e"], "t2"), {"NextToken": "t1", "MaxResults": 2}
    )
    items = list(service.list_projects(max_items=5))
    assert [p.name for p in items] == ["a", "b", "c", "d", "e"]
    assert all(isinstance(p, ProjectSummary) for p in items)


def test_max_items_trims_an_oversized_page(service: LookoutVision, stubber: Stubber) -> None:
    stubber.add_response("list_projects", projects_page(["a", "b", "c"], "t1"), {"MaxResults": 2})
    assert [p.name for p in service.list_projects(max_items=2)] == ["a", "b"]


def test_max_items_zero_sends_nothing(service: LookoutVision, stubber: Stubber) -> None:
    assert list(service.list_projects(max_items=0)) == []


def test_negative_max_items_is_a_value_error(service: LookoutVision) -> None:
    with pytest.raises(ValueError, match="max_items"):
        service.list_projects(max_items=-1)


def test_continuation_token_resumes_where_a_page_iterator_stopped(
    service: LookoutVision, stubber: Stubber
) -> None:
    stubber.add_response("list_projects", projects_page(["a"], "t1"), {})
    pages = service.list_projects().by_page()
    assert [p.name for p in next(pages)] == ["a"]
    assert pages.continuation_token == "t1"
    stubber.add_response("list_projects", projects_page(["b"]), {"NextToken": "t1"})
    rest = service.list_projects().by_page(continuation_token="t1")
    assert [[p.name for p in page] for page in rest] == [["b"]]
    assert rest.continuation_token is None


@pytest.mark.parametrize("size", [0, 101])
def test_page_size_outside_1_to_100_is_refused_before_sending(
    service: LookoutVision, stubber: Stubber, size: int
) -> None:
    with pytest.raises(InvalidInputError, match="MaxResults"):
        service.list_projects(page_size=size).first()


def test_first_and_to_list(service: LookoutVision, stubber: Stubber) -> None:
    stubber.add_response("list_projects", projects_page([]), {})
    assert service.list_projects().first() is None
    stubber.add_response("list_projects", projects_page(["x", "y"]), {})
    assert [p.name for p in service.list_projects().to_list()] == ["x", "y"]


@pytest.mark.parametrize("operation", sorted(bundled_paginators()))
def test_list_operation_follows_the_bundled_paginator(operation: str) -> None:
    spec = bundled_paginators()[operation]
    sent: list[dict[str, object]] = []
    pages = iter(
        [
            {spec["result_key"]: [1, 2], spec["output_token"]: "next"},
            {spec["result_key"]: [3]},
        ]
    )

    def call(name: str, params: dict[str, object]) -> dict[str, object]:
        assert name == operation
        sent.append(params)
        return next(pages)

    listing = list_operation(call, operation, {"ProjectName": "p"}, str, page_size=2)
    assert listing.to_list() == ["1", "2", "3"]
    assert sent == [
        {"ProjectName": "p", spec["input_token"]: None, spec["limit_key"]: 2},
        {"ProjectName": "p", spec["input_token"]: "next", spec["limit_key"]: 2},
    ]
