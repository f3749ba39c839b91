"""How much lookout_sdk adds on top of plain boto3, measured without a network.

Three ratios, from one run, each against a target:

* one call: ``service.project("p").model("1").describe()`` against
  ``client.describe_model(...)`` on a plain boto3 client built with the same botocore
  configuration (standard retries, same user agent suffix) and answered by the same
  kind of in-process transport;
* a listing: 10,000 dataset entries (100 pages of 100) through
  ``dataset.list_entries(page_size=100)`` against a ``NextToken`` loop on
  ``client.list_dataset_entries``;
* import time: ``import lookout_sdk`` against ``import boto3``, each in a fresh
  interpreter (plus, for information, ``from lookout_sdk import LookoutVision``).

The two sides of each comparison run in many short alternating rounds (ABBA order);
each round gives one ratio, and the median of those ratios is compared with the target,
so drift in machine load hits both sides of every ratio alike. The ``rounds p25-p75``
column gives the quartiles of the round-by-round ratios: when it is wide, the machine
was noisy and the verdict is less certain.

Usage::

    python benchmarks/overhead.py            # print the report, exit 0
    python benchmarks/overhead.py --check    # exit 1 if a target is missed
"""

from __future__ import annotations

import argparse
import base64
import collections
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest
    from botocore.client import BaseClient

    from lookout_sdk import LookoutVision
    from lookout_sdk.testing import InProcessTransport, Reply

PROJECT = "circuit-boards"
ENTRIES_PER_PAGE = 100
PAGES = 100
CALL_TARGET = 1.10
LISTING_TARGET = 1.10
IMPORT_TARGET = 1.15


@dataclass(frozen=True)
class Result:
    """One comparison: per-round samples of both sides, and the target for their ratio."""

    name: str
    sdk_label: str
    base_label: str
    sdk_samples: list[float]
    base_samples: list[float]
    unit: str
    target: float | None

    @property
    def sdk_seconds(self) -> float:
        return statistics.median(self.sdk_samples)

    @property
    def base_seconds(self) -> float:
        return statistics.median(self.base_samples)

    @property
    def paired(self) -> list[float]:
        """The ratio of the two sides within each round (they ran back to back)."""
        return [a / b for a, b in zip(self.sdk_samples, self.base_samples, strict=True)]

    @property
    def ratio(self) -> float:
        """The median of the round-by-round ratios: what the target applies to.

        Both sides of a round ran within milliseconds of each other, so a slow phase of
        the machine cancels out of each round's ratio; comparing the two medians
        instead would let phases that hit one side more than the other decide.
        """
        return statistics.median(self.paired)

    @property
    def paired_spread(self) -> tuple[float, float]:
        """First and third quartiles of the round-by-round ratios (how noisy the run was)."""
        paired = self.paired
        if len(paired) < 2:
            return paired[0], paired[0]
        low, _, high = statistics.quantiles(paired, n=4)
        return low, high

    @property
    def passed(self) -> bool:
        return self.target is None or self.ratio <= self.target


# ----------------------------------------------------------------------------- environment


def isolate_environment() -> None:
    """Fake credentials and empty config files: nothing is read from or sent to AWS."""
    empty = os.path.join(tempfile.mkdtemp(prefix="lookout-bench-"), "none")
    os.environ.update(
        AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY="secret",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=empty,
        AWS_SHARED_CREDENTIALS_FILE=empty,
    )
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    os.environ.pop("AWS_ENDPOINT_URL_LOOKOUTVISION", None)


def build_pair() -> tuple[LookoutVision, BaseClient]:
    """The SDK's service and a plain boto3 client configured as the SDK configures its own.

    The plain client gets a ``Config`` equal to the one ``LookoutVision`` builds (not
    ``service.client.meta.config``: that resolved config carries a fixed ``user_agent``,
    which sends botocore down its cheaper legacy User-Agent path and skews the result).
    """
    import boto3
    from botocore.config import Config

    from lookout_sdk import LookoutVision, __version__, register_service

    service = LookoutVision(region_name="us-east-1")
    session = boto3.Session(region_name="us-east-1")
    register_service(session)
    config = Config(
        retries={"mode": "standard", "total_max_attempts": service.retry.botocore_max_attempts},
        user_agent_extra=f"lookout-sdk/{__version__}",
    )
    make_client: Any = session.client
    client: BaseClient = make_client("lookoutvision", config=config)
    ours: Any = service.client.meta.config
    theirs: Any = client.meta.config
    for option in ("retries", "user_agent_extra", "signature_version", "read_timeout"):
        assert getattr(ours, option) == getattr(theirs, option), option
    return service, client


def transports(
    service: LookoutVision, client: BaseClient, handler: Callable[[AWSPreparedRequest], Reply]
) -> tuple[InProcessTransport, InProcessTransport]:
    """Answer both clients with ``handler``; each transport keeps only its last request."""
    from lookout_sdk.testing import InProcessTransport

    pair = InProcessTransport(service.client, handler), InProcessTransport(client, handler)
    for transport in pair:
        last: Any = collections.deque(maxlen=1)  # keeping every request would skew GC
        transport.requests = last
    return pair


def assert_same_request(ours: InProcessTransport, theirs: InProcessTransport) -> None:
    """Both sides sent the same request: method, path, query and headers.

    Dates, signatures and invocation ids always differ; so does the User-Agent's
    ``m/`` list of feature ids, where only plain boto3 reports the credential source
    (``g``) on every request, since the SDK's credentials are resolved lazily.
    """
    varying = {"X-Amz-Date", "Authorization", "amz-sdk-invocation-id"}

    def shape(transport: InProcessTransport) -> tuple[str, str, list[Any], dict[str, Any]]:
        request = transport.requests[-1]
        url = urlsplit(request.url)
        headers: dict[str, Any] = {k: v for k, v in request.headers.items() if k not in varying}
        agent = headers.pop("User-Agent", b"").split()
        headers["User-Agent"] = [part for part in agent if not part.startswith(b"m/")]
        return request.method, url.path, sorted(parse_qsl(url.query)), headers

    assert shape(ours) == shape(theirs), (shape(ours), shape(theirs))


# ----------------------------------------------------------------------------- timing


def alternate(
    sdk: Callable[[], object], base: Callable[[], object], *, rounds: int, repeat: int
) -> tuple[list[float], list[float]]:
    """Seconds per run of each side, one sample per round, over ``rounds`` ABBA rounds.

    Many short rounds rather than a few long ones: on a shared machine the speed drifts
    in phases, and fine alternation lets both sides see the same phases.
    """
    times: dict[str, list[float]] = {"sdk": [], "base": []}
    sides = [("sdk", sdk), ("base", base)]
    for _, run in sides:  # warm up: caches, lazy imports, first-use costs
        run()
    for number in range(rounds):
        order = sides if number % 2 == 0 else sides[::-1]
        for name, run in order:
            gc.collect()
            started = time.perf_counter()
            for _ in range(repeat):
                run()
            times[name].append((time.perf_counter() - started) / repeat)
    return times["sdk"], times["base"]


# ----------------------------------------------------------------------------- one call


def describe_reply() -> Reply:
    from lookout_sdk.testing import json_reply

    return json_reply(
        {
            "ModelDescription": {
                "ModelVersion": "1",
                "ModelArn": f"arn:aws:lookoutvision:us-east-1:123456789012:model/{PROJECT}/1",
                "CreationTimestamp": 1_700_000_000.0,
                "Description": "first model",
                "Status": "HOSTED",
                "StatusMessage": "Hosting succeeded.",
                "Performance": {"F1Score": 0.93, "Recall": 0.91, "Precision": 0.95},
                "OutputConfig": {"S3Location": {"Bucket": "bucket", "Prefix": "output/"}},
                "EvaluationManifest": {"Bucket": "bucket", "Key": "output/manifest.json"},
                "EvaluationResult": {"Bucket": "bucket", "Key": "output/result.json"},
                "EvaluationEndTimestamp": 1_700_003_600.0,
                "MinInferenceUnits": 1,
                "MaxInferenceUnits": 2,
            }
        }
    )


def bench_call(rounds: int, calls: int) -> Result:
    service, client = build_pair()
    reply = describe_reply()
    ours, theirs = transports(service, client, lambda request: reply)
    model = service.project(PROJECT).model("1")
    describe_model: Any = client.describe_model  # type: ignore[attr-defined]

    def sdk() -> object:
        return service.project(PROJECT).model("1").describe()

    def base() -> object:
        return describe_model(ProjectName=PROJECT, ModelVersion="1")

    assert model.describe().status == "HOSTED"
    assert base()["ModelDescription"]["Status"] == "HOSTED"  # type: ignore[index]
    assert_same_request(ours, theirs)
    sdk_times, base_times = alternate(sdk, base, rounds=rounds, repeat=calls)
    return Result(
        "one call (DescribeModel)",
        "model.describe()",
        "client.describe_model()",
        sdk_times,
        base_times,
        "us",
        CALL_TARGET,
    )


# ----------------------------------------------------------------------------- listing


def dataset_entry(number: int) -> str:
    """One manifest line of about 250 characters, as the service lists them."""
    kind = "anomaly" if number % 5 == 0 else "normal"
    return json.dumps(
        {
            "source-ref": f"s3://lookout-bucket/{PROJECT}/{kind}/{number:05d}.jpg",
            "anomaly-label": 1 if kind == "anomaly" else 0,
            "anomaly-label-metadata": {
                "confidence": 1,
                "class-name": kind,
                "human-annotated": "yes",
                "creation-date": "2023-11-20T10:00:00.000",
                "type": "groundtruth/image-classification",
            },
        },
        separators=(",", ":"),
    )


#: Opaque tail of the page tokens; the service's are long base64 strings.
_TOKEN_TAIL = base64.b64encode(bytes(range(150))).decode()


def page_token(page: int) -> str:
    """The token of page ``page`` (numbered from 0): its number, then filler."""
    return f"{page:04d}{_TOKEN_TAIL}"


def listing_handler() -> Callable[[AWSPreparedRequest], Reply]:
    from lookout_sdk.testing import json_reply

    pages: list[Reply] = []
    for page in range(PAGES):
        first = page * ENTRIES_PER_PAGE
        body: dict[str, Any] = {
            "DatasetEntries": [dataset_entry(first + i) for i in range(ENTRIES_PER_PAGE)]
        }
        if page + 1 < PAGES:
            body["NextToken"] = page_token(page + 1)
        pages.append(json_reply(body))

    def handler(request: AWSPreparedRequest) -> Reply:
        query = parse_qs(urlsplit(request.url).query)
        token = query.get("nextToken", [page_token(0)])[0]
        if query.get("maxResults") != [str(ENTRIES_PER_PAGE)]:
            raise AssertionError(f"unexpected page size in {request.url}")
        return pages[int(token[:4])]

    return handler


def bench_listing(rounds: int, repeat: int) -> Result:
    service, client = build_pair()
    ours, theirs = transports(service, client, listing_handler())
    dataset = service.project(PROJECT).dataset("train")
    list_dataset_entries: Any = client.list_dataset_entries  # type: ignore[attr-defined]
    expected = PAGES * ENTRIES_PER_PAGE

    def sdk() -> object:
        count = 0
        for _ in dataset.list_entries(page_size=ENTRIES_PER_PAGE):
            count += 1
        assert count == expected, count
        return count

    def base() -> object:
        count = 0
        params: dict[str, Any] = {
            "ProjectName": PROJECT,
            "DatasetType": "train",
            "MaxResults": ENTRIES_PER_PAGE,
        }
        while True:
            page = list_dataset_entries(**params)
            for _ in page["DatasetEntries"]:
                count += 1
            token = page.get("NextToken")
            if not token:
                break
            params["NextToken"] = token
        assert count == expected, count
        return count

    sdk()
    base()
    assert_same_request(ours, theirs)
    sdk_times, base_times = alternate(sdk, base, rounds=rounds, repeat=repeat)
    return Result(
        f"listing ({expected:,} entries)",
        "dataset.list_entries()",
        "NextToken loop",
        sdk_times,
        base_times,
        "ms",
        LISTING_TARGET,
    )


# ----------------------------------------------------------------------------- imports


def import_environment() -> dict[str, str]:
    """The environment of the fresh interpreters: bytecode cached, in a private folder.

    Both sides must load compiled bytecode: with ``PYTHONDONTWRITEBYTECODE`` set, an
    editable lookout_sdk would be compiled from source on every run while boto3 loads
    the ``.pyc`` files pip wrote. A private ``PYTHONPYCACHEPREFIX`` gives every module
    the same treatment and writes nothing into the source tree.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="lookout-bench-pycache-")
    return env


def time_import(statement: str, env: dict[str, str]) -> float:
    """Seconds ``statement`` takes in a fresh interpreter (start-up excluded)."""
    code = (
        f"import time; t = time.perf_counter(); {statement}; print(repr(time.perf_counter() - t))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
    )
    return float(out.stdout.strip())


def bench_imports(runs: int) -> list[Result]:
    statements = {
        "sdk": "import lookout_sdk",
        "boto3": "import boto3",
        "full": "from lookout_sdk import LookoutVision",
    }
    env = import_environment()
    times: dict[str, list[float]] = {name: [] for name in statements}
    for statement in statements.values():  # fill the bytecode cache
        time_import(statement, env)
    for number in range(runs):
        order = list(statements.items())
        if number % 2:
            order.reverse()
        for name, statement in order:
            times[name].append(time_import(statement, env))
    sdk, boto3, full = (times[name] for name in statements)
    return [
        Result("import", "import lookout_sdk", "import boto3", sdk, boto3, "ms", IMPORT_TARGET),
        Result(
            "import, with the client class",
            "from lookout_sdk import LookoutVision",
            "import boto3",
            full,
            boto3,
            "ms",
            None,
        ),
    ]


# ----------------------------------------------------------------------------- report


def scaled(seconds: float, unit: str) -> str:
    factor = {"us": 1e6, "ms": 1e3}[unit]
    return f"{seconds * factor:,.1f} {unit}"


def report(results: list[Result]) -> str:
    rows = [("measure", "lookout_sdk", "baseline", "ratio", "rounds p25-p75", "target", "result")]
    for r in results:
        low, high = r.paired_spread
        rows.append(
            (
                r.name,
                f"{scaled(r.sdk_seconds, r.unit)}  {r.sdk_label}",
                f"{scaled(r.base_seconds, r.unit)}  {r.base_label}",
                f"{r.ratio:.3f}",
                f"{low:.3f}-{high:.3f}",
                f"<= {r.target:.2f}" if r.target is not None else "-",
                ("PASS" if r.passed else "FAIL") if r.target is not None else "info",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--rounds", type=int, default=40, help="alternating rounds per side")
    parser.add_argument("--calls", type=int, default=250, help="calls per round (one call)")
    parser.add_argument("--listings", type=int, default=1, help="listings per round")
    parser.add_argument("--imports", type=int, default=15, help="fresh interpreters per side")
    args = parser.parse_args(argv)

    isolate_environment()
    started = time.perf_counter()
    results = [
        bench_call(args.rounds, args.calls),
        bench_listing(args.rounds, args.listings),
        *bench_imports(args.imports),
    ]
    elapsed = time.perf_counter() - started

    import botocore

    from lookout_sdk import __version__

    print(
        f"lookout_sdk {__version__}, botocore {botocore.__version__}, Python "
        f"{sys.version.split()[0]}; {args.rounds} rounds x {args.calls} calls, "
        f"{args.rounds} rounds x {args.listings} listings, {args.imports} imports per side; "
        f"ratio = median of per-round ratios; {elapsed:.1f} s"
    )
    print(report(results))
    missed = [r.name for r in results if not r.passed]
    if missed:
        print(f"missed: {', '.join(missed)}")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
