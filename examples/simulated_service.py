"""A small in-memory stand-in for the Lookout for Vision service, for offline demos.

It answers the REST-JSON requests a real boto3 client sends (through
``lookout_sdk.testing.InProcessTransport``), keeps projects, datasets and models in
dictionaries, and moves long-running operations one status step per describe call, so
pollers have something to wait for. Its "model" flags an image whose pixels stray far
from the image's median grey level: enough to show detection end to end on the
synthetic images of ``workflow.py``, nothing more.

It is not the local backend: that one, with storage, a real detector and an HTTP
server, is planned as its own piece of work.
"""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.awsrequest import AWSPreparedRequest

from lookout_sdk.testing import Reply, error_reply, json_reply

Route = Callable[..., Reply]
ACCOUNT = "123456789012"


def _now() -> float:
    return datetime.now(timezone.utc).timestamp()


def _not_found(kind: str, name: str) -> Reply:
    return error_reply(
        "ResourceNotFoundException",
        f"{kind.lower()} {name} does not exist",
        status=404,
        ResourceId=name,
        ResourceType=kind,
    )


def _gray_png_pixels(data: bytes) -> list[int] | None:
    """Pixels of an 8-bit greyscale, unfiltered PNG (what workflow.py writes)."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    if depth != 8 or colour != 0:
        return None
    position, chunks = 8, b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        if kind == b"IDAT":
            chunks += data[position + 8 : position + 8 + length]
        position += 12 + length
    raw = zlib.decompress(chunks)
    stride = width + 1
    return [p for row in range(height) for p in raw[row * stride + 1 : (row + 1) * stride]]


class SimulatedService:
    """Answers lookoutvision requests from memory; see the module docstring."""

    def __init__(self) -> None:
        self.projects: dict[str, dict[str, Any]] = {}
        self.routes: list[tuple[str, re.Pattern[str], Route]] = [
            ("POST", re.compile(r"/projects"), self.create_project),
            ("GET", re.compile(r"/projects"), self.list_projects),
            ("GET", re.compile(r"/projects/([^/]+)"), self.describe_project),
            ("DELETE", re.compile(r"/projects/([^/]+)"), self.delete_project),
            ("POST", re.compile(r"/projects/([^/]+)/datasets"), self.create_dataset),
            ("GET", re.compile(r"/projects/([^/]+)/datasets/([^/]+)"), self.describe_dataset),
            ("DELETE", re.compile(r"/projects/([^/]+)/datasets/([^/]+)"), self.delete_dataset),
            (
                "PATCH",
                re.compile(r"/projects/([^/]+)/datasets/([^/]+)/entries"),
                self.update_entries,
            ),
            ("GET", re.compile(r"/projects/([^/]+)/datasets/([^/]+)/entries"), self.list_entries),
            ("POST", re.compile(r"/projects/([^/]+)/models"), self.create_model),
            ("GET", re.compile(r"/projects/([^/]+)/models/([^/]+)"), self.describe_model),
            ("DELETE", re.compile(r"/projects/([^/]+)/models/([^/]+)"), self.delete_model),
            ("POST", re.compile(r"/projects/([^/]+)/models/([^/]+)/start"), self.start_model),
            ("POST", re.compile(r"/projects/([^/]+)/models/([^/]+)/stop"), self.stop_model),
            ("POST", re.compile(r"/projects/([^/]+)/models/([^/]+)/detect"), self.detect),
        ]

    def __call__(self, request: AWSPreparedRequest) -> Reply:
        """Route one HTTP request to the handler of its operation."""
        path = urlsplit(request.url).path.removeprefix("/2020-11-20")
        body = request.body or b""
        payload = body if isinstance(body, bytes) else str(body).encode()
        for method, pattern, route in self.routes:
            match = pattern.fullmatch(path)
            if method == request.method and match:
                args = [unquote(group) for group in match.groups()]
                return route(*args, body=payload)
        return error_reply(
            "ValidationException", f"no route for {request.method} {path}", status=400
        )

    # -- projects ---------------------------------------------------------------------

    def create_project(self, *, body: bytes) -> Reply:
        name = json.loads(body)["ProjectName"]
        if name in self.projects:
            return error_reply(
                "ConflictException",
                f"project {name} exists",
                status=409,
                ResourceId=name,
                ResourceType="PROJECT",
            )
        arn = f"arn:aws:lookoutvision:us-east-1:{ACCOUNT}:project/{name}"
        self.projects[name] = {"arn": arn, "created": _now(), "datasets": {}, "models": {}}
        meta = {"ProjectName": name, "ProjectArn": arn, "CreationTimestamp": _now()}
        return json_reply({"ProjectMetadata": meta})

    def list_projects(self, *, body: bytes) -> Reply:
        items = [
            {"ProjectName": n, "ProjectArn": p["arn"], "CreationTimestamp": p["created"]}
            for n, p in self.projects.items()
        ]
        return json_reply({"Projects": items})

    def describe_project(self, name: str, *, body: bytes) -> Reply:
        project = self.projects.get(name)
        if project is None:
            return _not_found("PROJECT", name)
        datasets = [
            {"DatasetType": kind, "Status": d["status"], "CreationTimestamp": project["created"]}
            for kind, d in project["datasets"].items()
        ]
        description = {
            "ProjectName": name,
            "ProjectArn": project["arn"],
            "CreationTimestamp": project["created"],
            "Datasets": datasets,
        }
        return json_reply({"ProjectDescription": description})

    def delete_project(self, name: str, *, body: bytes) -> Reply:
        project = self.projects.pop(name, None)
        if project is None:
            return _not_found("PROJECT", name)
        return json_reply({"ProjectArn": project["arn"]})

    # -- datasets ---------------------------------------------------------------------

    def create_dataset(self, name: str, *, body: bytes) -> Reply:
        project = self.projects.get(name)
        if project is None:
            return _not_found("PROJECT", name)
        kind = json.loads(body)["DatasetType"]
        project["datasets"][kind] = {"status": "CREATE_COMPLETE", "entries": {}}
        meta = {"DatasetType": kind, "Status": "CREATE_COMPLETE", "CreationTimestamp": _now()}
        return json_reply({"DatasetMetadata": meta}, status=202)

    def _dataset(self, name: str, kind: str) -> dict[str, Any] | None:
        project = self.projects.get(name)
        return None if project is None else project["datasets"].get(kind)

    def describe_dataset(self, name: str, kind: str, *, body: bytes) -> Reply:
        dataset = self._dataset(name, kind)
        if dataset is None:
            return _not_found("DATASET", f"{name}/{kind}")
        if dataset["status"] == "UPDATE_IN_PROGRESS":
            dataset["status"] = "UPDATE_COMPLETE"  # one step per look
        labels = [json.loads(e) for e in dataset["entries"].values()]
        anomalies = sum(1 for e in labels if e.get("anomaly-label") == 1)
        stats = {
            "Total": len(labels),
            "Labeled": len(labels),
            "Normal": len(labels) - anomalies,
            "Anomaly": anomalies,
        }
        description = {
            "ProjectName": name,
            "DatasetType": kind,
            "Status": dataset["status"],
            "ImageStats": stats,
        }
        return json_reply({"DatasetDescription": description})

    def delete_dataset(self, name: str, kind: str, *, body: bytes) -> Reply:
        if self._dataset(name, kind) is None:
            return _not_found("DATASET", f"{name}/{kind}")
        del self.projects[name]["datasets"][kind]
        return json_reply({}, status=202)

    def update_entries(self, name: str, kind: str, *, body: bytes) -> Reply:
        dataset = self._dataset(name, kind)
        if dataset is None:
            return _not_found("DATASET", f"{name}/{kind}")
        changes = json.loads(body)["Changes"]  # blobs travel base64-encoded in JSON
        for line in base64.b64decode(changes).decode().splitlines():
            dataset["entries"][json.loads(line)["source-ref"]] = line
        dataset["status"] = "UPDATE_IN_PROGRESS"
        return json_reply({"Status": "UPDATE_IN_PROGRESS"}, status=202)

    def list_entries(self, name: str, kind: str, *, body: bytes) -> Reply:
        dataset = self._dataset(name, kind)
        if dataset is None:
            return _not_found("DATASET", f"{name}/{kind}")
        return json_reply({"DatasetEntries": list(dataset["entries"].values())})

    # -- models -----------------------------------------------------------------------

    def create_model(self, name: str, *, body: bytes) -> Reply:
        project = self.projects.get(name)
        if project is None:
            return _not_found("PROJECT", name)
        request = json.loads(body)
        version = str(len(project["models"]) + 1)
        model = {
            "ModelVersion": version,
            "ModelArn": f"arn:aws:lookoutvision:us-east-1:{ACCOUNT}:model/{name}/{version}",
            "CreationTimestamp": _now(),
            "Status": "TRAINING",
            "OutputConfig": request["OutputConfig"],
            "steps": ["TRAINING", "TRAINED"],
        }
        project["models"][version] = model
        return json_reply({"ModelMetadata": self._public(model)}, status=202)

    @staticmethod
    def _public(model: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in model.items() if k != "steps"}

    def _model(self, name: str, version: str) -> dict[str, Any] | None:
        project = self.projects.get(name)
        return None if project is None else project["models"].get(version)

    def describe_model(self, name: str, version: str, *, body: bytes) -> Reply:
        model = self._model(name, version)
        if model is None:
            return _not_found("MODEL", f"{name}/{version}")
        if model["steps"]:
            model["Status"] = model["steps"].pop(0)
        if model["Status"] == "DELETED":
            self.projects[name]["models"].pop(version)
            return _not_found("MODEL", f"{name}/{version}")
        return json_reply({"ModelDescription": self._public(model)})

    def _transition(self, name: str, version: str, steps: list[str]) -> Reply:
        model = self._model(name, version)
        if model is None:
            return _not_found("MODEL", f"{name}/{version}")
        model["Status"], model["steps"] = steps[0], steps[1:]
        return json_reply({"Status": steps[0]}, status=202)

    def start_model(self, name: str, version: str, *, body: bytes) -> Reply:
        return self._transition(name, version, ["STARTING_HOSTING", "STARTING_HOSTING", "HOSTED"])

    def stop_model(self, name: str, version: str, *, body: bytes) -> Reply:
        return self._transition(name, version, ["STOPPING_HOSTING", "TRAINED"])

    def delete_model(self, name: str, version: str, *, body: bytes) -> Reply:
        reply = self._transition(name, version, ["DELETING", "DELETED"])
        if reply.status == 202:
            model = self._model(name, version)
            return json_reply({"ModelArn": model["ModelArn"] if model else ""}, status=202)
        return reply

    def detect(self, name: str, version: str, *, body: bytes) -> Reply:
        model = self._model(name, version)
        if model is None:
            return _not_found("MODEL", f"{name}/{version}")
        if model["Status"] != "HOSTED":
            return error_reply(
                "ConflictException",
                f"model {version} is {model['Status']}, not HOSTED",
                status=409,
                ResourceId=f"{name}/{version}",
                ResourceType="MODEL",
            )
        pixels = _gray_png_pixels(body)
        if pixels is None:
            return error_reply("ValidationException", "expected an 8-bit grey PNG", status=400)
        median = sorted(pixels)[len(pixels) // 2]
        outliers = sum(1 for p in pixels if abs(p - median) > 60) / len(pixels)
        result = {
            "Source": {"Type": "direct"},
            "IsAnomalous": outliers > 0.002,
            "Confidence": round(min(1.0, 0.5 + outliers * 50), 3),
        }
        return json_reply({"DetectAnomalyResult": result})
