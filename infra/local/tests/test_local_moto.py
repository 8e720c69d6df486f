"""moto's S3 server through the MinIO SDK, as the chassis storage uses it."""

import io

import pytest
import urllib3
from minio import Minio
from minio.error import S3Error
from peerlab.local.launchers import MotoS3Server
from urllib3.exceptions import MaxRetryError


def test_put_and_get_an_object(s3_server):
    client = s3_server.minio_client()
    s3_server.ensure_bucket("peerlab-local-test")
    payload = b"notebook bytes" * 1000
    client.put_object(
        "peerlab-local-test", "a/b.ipynb", io.BytesIO(payload), len(payload), metadata={"x-amz-meta-owner": "alice"}
    )
    response = client.get_object("peerlab-local-test", "a/b.ipynb")
    try:
        assert response.read() == payload
    finally:
        response.close()
        response.release_conn()
    stat = client.stat_object("peerlab-local-test", "a/b.ipynb")
    assert stat.size == len(payload)
    with pytest.raises(S3Error):
        client.stat_object("peerlab-local-test", "missing")


def test_stop_and_start_on_the_same_port_starts_empty(tmp_path):
    server = MotoS3Server(workdir=tmp_path).start()
    port = server.port
    try:
        server.ensure_bucket("before")
        server.stop()
        fail_fast = Minio(
            server.endpoint,
            access_key="a",
            secret_key="b",
            secure=False,
            http_client=urllib3.PoolManager(retries=urllib3.Retry(total=0)),
        )
        with pytest.raises((MaxRetryError, OSError)):
            fail_fast.bucket_exists("before")
        server.start()
        assert server.port == port
        assert not server.minio_client().bucket_exists("before")
    finally:
        server.stop()
