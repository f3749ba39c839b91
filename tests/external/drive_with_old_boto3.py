"""Drive a Lookout for Vision endpoint with plain boto3 1.40.60 (AWS's own model).

Run with the interpreter of a venv holding boto3==1.40.60 only:
    python drive_with_old_boto3.py ENDPOINT IMAGES_FOLDER
It prints one JSON object summarising what it saw; it exits non-zero on any error.
"""

import json
import pathlib
import sys
import time

import boto3
from botocore.config import Config

endpoint, folder = sys.argv[1], pathlib.Path(sys.argv[2])
session = boto3.Session(
    aws_access_key_id="external", aws_secret_access_key="external", region_name="us-east-1"
)
lv = session.client("lookoutvision", endpoint_url=endpoint)
s3 = session.client("s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"}))
seen = {"boto3": boto3.__version__}


def wait(describe, key, status_key, done, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            status = describe()[key][status_key]
        except lv.exceptions.ResourceNotFoundException:
            return "GONE"
        if status in done:
            return status
        time.sleep(0.3)
    raise TimeoutError(f"still not {done}")


s3.create_bucket(Bucket="external")
lines = []
for path in sorted(folder.rglob("*.png")):
    rel = path.relative_to(folder).as_posix()
    s3.put_object(Bucket="external", Key=rel, Body=path.read_bytes())
    label = "anomaly" if rel.startswith("anomaly/") else "normal"
    lines.append(
        json.dumps(
            {
                "source-ref": f"s3://external/{rel}",
                "anomaly-label": 1 if label == "anomaly" else 0,
                "anomaly-label-metadata": {
                    "class-name": label,
                    "human-annotated": "yes",
                    "type": "groundtruth/image-classification",
                },
            }
        )
    )
s3.put_object(Bucket="external", Key="train.manifest", Body="\n".join(lines).encode())

project = lv.create_project(ProjectName="external")["ProjectMetadata"]
seen["project_arn"] = project["ProjectArn"]
lv.create_dataset(
    ProjectName="external",
    DatasetType="train",
    DatasetSource={
        "GroundTruthManifest": {"S3Object": {"Bucket": "external", "Key": "train.manifest"}}
    },
)
seen["dataset"] = wait(
    lambda: lv.describe_dataset(ProjectName="external", DatasetType="train"),
    "DatasetDescription",
    "Status",
    {"CREATE_COMPLETE", "CREATE_FAILED"},
)
seen["entries"] = sum(
    len(page["DatasetEntries"])
    for page in lv.get_paginator("list_dataset_entries").paginate(
        ProjectName="external", DatasetType="train"
    )
)
version = lv.create_model(
    ProjectName="external", OutputConfig={"S3Location": {"Bucket": "external", "Prefix": "out/"}}
)["ModelMetadata"]["ModelVersion"]
seen["trained"] = wait(
    lambda: lv.describe_model(ProjectName="external", ModelVersion=version),
    "ModelDescription",
    "Status",
    {"TRAINED", "TRAINING_FAILED"},
)
seen["performance"] = lv.describe_model(ProjectName="external", ModelVersion=version)[
    "ModelDescription"
].get("Performance")
lv.start_model(ProjectName="external", ModelVersion=version, MinInferenceUnits=1)
seen["hosted"] = wait(
    lambda: lv.describe_model(ProjectName="external", ModelVersion=version),
    "ModelDescription",
    "Status",
    {"HOSTED", "HOSTING_FAILED"},
)
detections = {}
for name in ("normal", "anomaly"):
    image = sorted((folder / name).glob("*.png"))[0].read_bytes()
    answer = lv.detect_anomalies(
        ProjectName="external", ModelVersion=version, Body=image, ContentType="image/png"
    )
    detections[name] = answer["DetectAnomalyResult"]["IsAnomalous"]
seen["detections"] = detections
lv.stop_model(ProjectName="external", ModelVersion=version)
seen["stopped"] = wait(
    lambda: lv.describe_model(ProjectName="external", ModelVersion=version),
    "ModelDescription",
    "Status",
    {"TRAINED"},
)
model_arn = lv.describe_model(ProjectName="external", ModelVersion=version)["ModelDescription"][
    "ModelArn"
]
lv.tag_resource(ResourceArn=model_arn, Tags=[{"Key": "owner", "Value": "ci"}])
seen["tags"] = lv.list_tags_for_resource(ResourceArn=model_arn)["Tags"]
lv.untag_resource(ResourceArn=model_arn, TagKeys=["owner"])
seen["tags_after"] = lv.list_tags_for_resource(ResourceArn=model_arn)["Tags"]
lv.delete_model(ProjectName="external", ModelVersion=version)
seen["model_deleted"] = wait(
    lambda: lv.describe_model(ProjectName="external", ModelVersion=version),
    "ModelDescription",
    "Status",
    {"NEVER"},
)
lv.delete_dataset(ProjectName="external", DatasetType="train")
seen["dataset_deleted"] = wait(
    lambda: lv.describe_dataset(ProjectName="external", DatasetType="train"),
    "DatasetDescription",
    "Status",
    {"NEVER"},
)
lv.delete_project(ProjectName="external")
seen["projects_left"] = lv.list_projects()["Projects"]
print(json.dumps(seen))
