"""The document storage contract, held by the local folder and by S3 (a real moto server on
loopback, tests/s3server.py): the same tests run against both."""

from __future__ import annotations

import hashlib
import logging

import pytest

from config import ConfigurationError
from config import load as load_settings
from tests.s3server import REGION, SECRET_KEY, free_port
from wallet.core.storage import (
    DocumentMissing,
    LocalStorage,
    S3Storage,
    StorageUnavailable,
    make_storage,
)

PDF = b"%PDF-1.4 a small invoice\n%%EOF\n"
KEY = f"{hashlib.sha256(PDF).hexdigest()}.pdf"


@pytest.fixture(params=["local", "s3"])
def backend(request, tmp_path):
    """Each contract test once per backend; the S3 one with a fresh bucket on moto."""
    if request.param == "local":
        return LocalStorage(tmp_path / "documents")
    bucket = request.getfixturevalue("s3_bucket")
    return S3Storage(bucket["S3_BUCKET"], endpoint_url=bucket["S3_ENDPOINT_URL"], region=REGION)


def test_a_document_put_is_read_back_byte_for_byte(backend):
    backend.put(KEY, PDF, "application/pdf")
    assert backend.get(KEY) == PDF
    stream, size = backend.open(KEY)
    try:
        assert size == len(PDF)
        assert stream.read() == PDF
    finally:
        stream.close()


def test_exists_and_delete(backend):
    assert not backend.exists(KEY)
    backend.put(KEY, PDF, "application/pdf")
    assert backend.exists(KEY)
    backend.delete(KEY)
    assert not backend.exists(KEY)
    backend.delete(KEY)  # deleting what is gone is no error


def test_putting_the_same_key_again_keeps_one_document(backend):
    backend.put(KEY, PDF, "application/pdf")
    backend.put(KEY, PDF, "application/pdf")
    assert backend.get(KEY) == PDF


def test_a_missing_document_is_reported_as_missing(backend):
    with pytest.raises(DocumentMissing):
        backend.get(KEY)
    with pytest.raises(DocumentMissing):
        backend.open(KEY)


@pytest.mark.parametrize(
    "key",
    [
        "../secret.pdf",
        "a/../../b.pdf",
        "/etc/passwd",
        ".hidden",
        "Factuur.pdf",
        "a\\b.pdf",
        "",
        "a//b.pdf",
        "a/",
        "x" * 200,
        "naam met spatie.pdf",
        "a/./b.pdf",
    ],
)
def test_keys_that_could_name_another_path_are_refused(backend, key, tmp_path):
    with pytest.raises(ValueError):
        backend.put(key, PDF, "application/pdf")
    with pytest.raises(ValueError):
        backend.get(key)
    assert not (tmp_path / "secret.pdf").exists()


def test_keys_may_have_folders(backend):
    backend.put("readyz/probe-1.probe", b"x", "application/octet-stream")
    assert backend.get("readyz/probe-1.probe") == b"x"


def test_local_storage_finds_files_kept_before_the_interface(tmp_path):
    # Until now claims wrote <sha256>.pdf straight into UPLOAD_FOLDER; the rows keep that name.
    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / KEY).write_bytes(PDF)
    assert LocalStorage(folder).get(KEY) == PDF


def test_local_storage_leaves_no_partial_files(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.put(KEY, PDF, "application/pdf")
    assert [p.name for p in tmp_path.iterdir()] == [KEY]


def test_s3_keeps_the_content_type_and_the_prefix(s3_server, s3_bucket):
    storage = S3Storage(
        s3_bucket["S3_BUCKET"],
        endpoint_url=s3_server.endpoint_url,
        region=REGION,
        prefix="/acceptatie/",
    )
    storage.put(KEY, PDF, "application/pdf")
    head = s3_server.client().head_object(Bucket=s3_bucket["S3_BUCKET"], Key=f"acceptatie/{KEY}")
    assert head["ContentType"] == "application/pdf"
    assert head["ContentLength"] == len(PDF)
    assert storage.exists(KEY)


def test_s3_written_by_one_server_is_read_by_another(s3_server, s3_bucket):
    one = S3Storage(s3_bucket["S3_BUCKET"], endpoint_url=s3_server.endpoint_url, region=REGION)
    other = S3Storage(s3_bucket["S3_BUCKET"], endpoint_url=s3_server.endpoint_url, region=REGION)
    one.put(KEY, PDF, "application/pdf")
    assert other.get(KEY) == PDF


def test_s3_missing_bucket_is_unavailable_not_missing(s3_server, caplog):
    storage = S3Storage("no-such-bucket-here", endpoint_url=s3_server.endpoint_url, region=REGION)
    with caplog.at_level(logging.ERROR), pytest.raises(StorageUnavailable) as raised:
        storage.put(KEY, PDF, "application/pdf")
    assert raised.value.status == 503
    assert "NoSuchBucket" in caplog.text
    assert SECRET_KEY not in caplog.text


def test_s3_unreachable_is_unavailable_and_logs_no_secret(s3_server, caplog):
    nowhere = f"http://127.0.0.1:{free_port()}"
    storage = S3Storage("leerwallet", endpoint_url=nowhere, region=REGION)
    with caplog.at_level(logging.DEBUG), pytest.raises(StorageUnavailable):
        storage.get(KEY)
    assert SECRET_KEY not in caplog.text


def test_settings_choose_the_backend(tmp_path, s3_bucket):
    local = make_storage({"STORAGE_BACKEND": "local", "UPLOAD_FOLDER": str(tmp_path)})
    assert isinstance(local, LocalStorage)
    assert isinstance(make_storage({"UPLOAD_FOLDER": str(tmp_path)}), LocalStorage)
    s3 = make_storage(s3_bucket)
    assert isinstance(s3, S3Storage)
    assert s3.bucket == s3_bucket["S3_BUCKET"]
    with pytest.raises(ValueError, match="S3_BUCKET"):
        make_storage({"STORAGE_BACKEND": "s3"})
    with pytest.raises(ValueError, match="STORAGE_BACKEND"):
        make_storage({"STORAGE_BACKEND": "ftp", "UPLOAD_FOLDER": str(tmp_path)})


def test_production_refuses_s3_without_a_bucket(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://wallet@db/wallet")
    monkeypatch.setenv("BASE_URL", "https://leerwallet.example")
    monkeypatch.setenv("STORAGE_BACKEND", "s3")
    monkeypatch.delenv("S3_BUCKET", raising=False)
    with pytest.raises(ConfigurationError, match="S3_BUCKET"):
        load_settings("production")
    monkeypatch.setenv("S3_BUCKET", "leerwallet-documents")
    assert load_settings("production")["STORAGE_BACKEND"] == "s3"
    monkeypatch.setenv("STORAGE_BACKEND", "ftp")
    with pytest.raises(ConfigurationError, match="STORAGE_BACKEND"):
        load_settings("production")
