"""Every answer in the API's own shape: the cases fuzzing found, one by one."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator

import pytest

from lookout_sdk.local.app import LocalBackend
from lookout_sdk.local.service import projects
from lookout_sdk.local.service.errors import validation
from tests.fuzz_requests import FuzzRequest, judge, run_wsgi


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackend]:
    backend = LocalBackend(tmp_path_factory.mktemp("answers") / "data", start_worker=False)
    for request in (
        FuzzRequest("s3", "PUT", "/bucket"),
        FuzzRequest("s3", "PUT", "/bucket/k", body=b"0123456789"),
        FuzzRequest("lookout", "POST", "/2020-11-20/projects", body=b'{"ProjectName": "p1"}'),
    ):
        assert run_wsgi(backend, request).status == 200
    yield backend
    backend.close()


def token(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("method", "target", "body"),
    [
        ("GET", "/2020-11-20/projects/p1/datasets/train/entries?createdAfter=inf", b""),
        ("GET", "/2020-11-20/projects/p1/datasets/train/entries?createdBefore=1e20", b""),
        ("POST", "/2020-11-20/projects", b"[" * 100_000 + b"]" * 100_000),
        ("GET", f"/2020-11-20/projects?nextToken={token('offset:99999999999999999999')}", b""),
        ("GET", f"/2020-11-20/projects?nextToken={token('offset:²')}", b""),
        ("GET", "/2020-11-20/projects?maxResults=" + "9" * 5000, b""),
    ],
)
def test_bad_lookout_input_is_a_400_in_the_apis_form(
    backend: LocalBackend, method: str, target: str, body: bytes
) -> None:
    request = FuzzRequest("lookout", method, target, body=body)
    answer = run_wsgi(backend, request)
    assert answer.status == 400, answer.body[:300]
    assert answer.headers["x-amzn-errortype"] == "ValidationException"
    assert judge(request, answer) is None
    assert len(answer.body) < 1000  # long values are cut short in messages


@pytest.mark.parametrize(
    ("target", "headers"),
    [
        ("/bucket?max-keys=²", ()),
        ("/bucket/k?uploadId=" + "0" * 32 + "&partNumber=" + "9" * 5000, ()),
        ("/bucket/k", (("Range", "bytes=" + "9" * 5000 + "-"),)),
        ("/bucket/k?response-content-type=text%2Fplain%0D%0AX-Evil%3A%201", ()),
    ],
)
def test_bad_s3_input_is_refused_in_s3s_form(
    backend: LocalBackend, target: str, headers: tuple[tuple[str, str], ...]
) -> None:
    method = "PUT" if "partNumber" in target else "GET"
    request = FuzzRequest("s3", method, target, headers, b"x" if method == "PUT" else b"")
    answer = run_wsgi(backend, request)
    assert answer.status < 500, answer.body[:300]
    assert judge(request, answer) is None
    assert "x-evil" not in answer.headers


def test_an_unsatisfiable_huge_range_is_a_whole_object_or_416(backend: LocalBackend) -> None:
    answer = run_wsgi(backend, FuzzRequest("s3", "GET", "/bucket/k", (("Range", "bytes=5-999"),)))
    assert (answer.status, answer.body) == (206, b"56789")


def test_messages_name_no_python_objects() -> None:
    error = validation(
        "image cannot be read: cannot identify image file <_io.BytesIO object at 0x7fcc12ab>"
    )
    assert "0x7fcc" not in error.message
    assert "cannot identify image file the data" in error.message


def test_a_server_fault_is_a_500_with_the_request_id_logged(
    backend: LocalBackend, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> dict[str, object]:
        raise RuntimeError("the disk fell off")

    monkeypatch.setitem(
        __import__("lookout_sdk.local.service.router", fromlist=["_HANDLERS"])._HANDLERS,
        "ListProjects",
        broken,
    )
    request = FuzzRequest("lookout", "GET", "/2020-11-20/projects")
    with caplog.at_level(logging.ERROR, "lookout_sdk.local"):
        answer = run_wsgi(backend, request)
    assert answer.status == 500
    assert answer.headers["x-amzn-errortype"] == "InternalServerException"
    request_id = answer.headers["x-amzn-requestid"]
    assert request_id in answer.body.decode()
    assert any(request_id in record.getMessage() for record in caplog.records)
    assert "the disk fell off" in caplog.text
    assert projects  # the real handlers are untouched outside this test
