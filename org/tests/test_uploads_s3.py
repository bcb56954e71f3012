"""Uploaded files on an S3-compatible store (S3_BUCKET_NAME): the same upload and download paths
as the local folder, against a local S3 server (moto's), through the real S3 client. The object is
private in the bucket, under a random name, and only people in scope get it back."""

import datetime as dt
import socket

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from config.settings.base import s3_storage
from org import clock
from org.tests.factories import StaffFactory, tree, user_for
from targets.checklists import checklist_issue
from targets.models import ChecklistItem

pytestmark = pytest.mark.django_db
BUCKET = "bank-uploads"


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=url, aws_access_key_id="k", aws_secret_access_key="s", region_name="us-east-1").create_bucket(Bucket=BUCKET)
    yield url
    server.stop()


@pytest.fixture
def s3(s3_endpoint, monkeypatch):
    for name, value in {"S3_ENDPOINT_URL": s3_endpoint, "S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "s", "S3_REGION_NAME": "us-east-1",
                        "S3_LOCATION": "uploads"}.items():
        monkeypatch.setenv(name, value)
    storages = {"default": s3_storage(BUCKET), "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES=storages):
        yield boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="k", aws_secret_access_key="s", region_name="us-east-1")


def test_evidence_goes_to_the_bucket_privately_and_comes_back_only_in_scope(s3, client):
    t = tree()
    bm = user_for(StaffFactory(employee_no="BM70", institution=t["BR1"]), scope=t["BR1"])
    oh1 = user_for(StaffFactory(employee_no="OH71", institution=t["OUT1"]), scope=t["OUT1"])
    oh2 = user_for(StaffFactory(employee_no="OH72", institution=t["OUT2"]), scope=t["OUT2"])
    with clock.frozen(dt.datetime(2024, 11, 5, 10, 0)):
        task = checklist_issue(by=bm, title="厅堂物料检查", body="", evidence="file", due_on=dt.date(2024, 11, 8), institutions=[t["OUT1"]])
        item = task.items.get()
        client.force_login(oh1)
        done = client.post(f"/targets/checklists/items/{item.pk}/", {"action": "complete", "text": "已落实",
                                                                       "file": SimpleUploadedFile("整改报告.pdf", b"%PDF-1.4 report")})
        assert done.status_code == 302
    item = ChecklistItem.objects.get(pk=item.pk)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [f"uploads/{item.evidence_file.name}"] and "整改报告" not in keys[0]  # a random name under the prefix
    grants = s3.get_object_acl(Bucket=BUCKET, Key=keys[0])["Grants"]
    assert all("AllUsers" not in str(g.get("Grantee")) for g in grants)  # not readable without the product
    assert s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read() == b"%PDF-1.4 report"

    client.force_login(bm)
    got = client.get(f"/targets/checklists/items/{item.pk}/evidence")
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"%PDF-1.4 report"
    assert "attachment" in got["Content-Disposition"]
    client.force_login(oh2)  # a sibling outlet: the same answer as a file that does not exist
    assert client.get(f"/targets/checklists/items/{item.pk}/evidence").status_code == 404


def test_the_setting_picks_the_bucket_only_when_named(monkeypatch):
    from django.conf import settings

    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    monkeypatch.setenv("S3_ENDPOINT_URL", "http://minio.bank.local:9000")
    conf = s3_storage("evidence")
    assert conf["BACKEND"] == "storages.backends.s3.S3Storage"
    assert conf["OPTIONS"]["bucket_name"] == "evidence" and conf["OPTIONS"]["endpoint_url"] == "http://minio.bank.local:9000"
    assert conf["OPTIONS"]["default_acl"] == "private" and conf["OPTIONS"]["file_overwrite"] is False
