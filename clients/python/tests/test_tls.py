"""TLS against a real `multiembed serve --tls-cert --tls-key`, with a CA and server certificate
made here (the `cryptography` package; no key is committed).

The server certificate names `localhost` only, so a client connecting to 127.0.0.1 must say
which name it expects; a client trusting another CA, or expecting another name, is refused
with :class:`multiembed.TLSError`. Same binary and model as test_integration.py.
"""

from __future__ import annotations

import asyncio
import datetime
import re
import subprocess
import threading
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import numpy as np
import pytest

import multiembed
from test_integration import BINARY, MODEL, SKIP_REASON, TEXTS

pytestmark = pytest.mark.skipif(BINARY is None, reason=SKIP_REASON)

SERVER_NAME = "localhost"


def _authority(name: str):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256()))
    return certificate, key


def _pem(certificate) -> bytes:
    from cryptography.hazmat.primitives import serialization
    return certificate.public_bytes(serialization.Encoding.PEM)


def _key_pem(key) -> bytes:
    from cryptography.hazmat.primitives import serialization
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """ca.pem, other-ca.pem, server.pem (leaf + CA), server-key.pem, stranger-key.pem."""
    pytest.importorskip("cryptography", reason="pip install cryptography (the test extra) to make test certificates")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = tmp_path_factory.mktemp("tls")
    ca, ca_key = _authority("MultiEmbed Python Test CA")
    other_ca, _ = _authority("Some Other CA")
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SERVER_NAME)]))
        .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(SERVER_NAME)]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256()))
    files = {
        "ca": folder / "ca.pem", "other_ca": folder / "other-ca.pem", "chain": folder / "server.pem",
        "key": folder / "server-key.pem", "stranger_key": folder / "stranger-key.pem",
    }
    files["ca"].write_bytes(_pem(ca))
    files["other_ca"].write_bytes(_pem(other_ca))
    files["chain"].write_bytes(_pem(server) + _pem(ca))
    files["key"].write_bytes(_key_pem(key))
    files["stranger_key"].write_bytes(_key_pem(ec.generate_private_key(ec.SECP256R1())))
    return {name: str(path) for name, path in files.items()}


class Server:
    """A running `multiembed serve` and what it printed."""

    def __init__(self, args: List[str]) -> None:
        self.process = subprocess.Popen([str(BINARY), "serve", "--model", str(MODEL), "--port", "0", *args],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines: List[str] = []
        self.address: Optional[Tuple[str, int]] = None
        ready = threading.Event()

        def read_stderr() -> None:
            assert self.process.stderr is not None
            for line in self.process.stderr:
                self.lines.append(line)
                match = re.search(r"^listening on (\S+):(\d+)\s*$", line)
                if match and self.address is None:
                    self.address = (match.group(1), int(match.group(2)))
                    ready.set()
            ready.set()

        threading.Thread(target=read_stderr, daemon=True).start()
        ready.wait(120)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def servers(certificates: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[Server, Server]]:
    """A plain server and a TLS one, on the same model."""
    if not (MODEL / "config.json").is_file():
        pytest.fail(f"model {MODEL} not found: run scripts/fetch-default-model (or set MULTIEMBED_MODEL)")
    plain = Server(["--data-dir", str(tmp_path_factory.mktemp("plain-data"))])
    secure = Server(["--data-dir", str(tmp_path_factory.mktemp("tls-data")),
                     "--tls-cert", certificates["chain"], "--tls-key", certificates["key"]])
    try:
        for server in (plain, secure):
            if server.address is None:
                pytest.fail("the server did not print 'listening on HOST:PORT':\n" + "".join(server.lines[-20:]))
        yield plain, secure
    finally:
        plain.stop()
        secure.stop()


def tls_client(server: Server, certificates: dict, **overrides) -> multiembed.Client:
    assert server.address is not None
    options = {"ca_file": certificates["ca"], "server_name": SERVER_NAME, "timeout": 30.0}
    options.update(overrides)
    return multiembed.Client(*server.address, **options)


def test_tls_server_says_so_and_answers_the_plain_servers_vectors(servers, certificates):
    plain, secure = servers
    assert any(line.startswith("tls on every door: certificate " + certificates["chain"]) for line in secure.lines)
    assert not any(line.startswith("tls on") for line in plain.lines)
    assert plain.address is not None
    with multiembed.Client(*plain.address) as client:
        expected = client.embed(TEXTS)
    with tls_client(secure, certificates) as client:
        got = client.embed(TEXTS)
        assert client.health().status == multiembed.SERVING
        # Many requests in flight on the one TLS connection, from several threads at once.
        many = client.embed(TEXTS * 8, batch_size=2)
        results: List[np.ndarray] = []
        threads = [threading.Thread(target=lambda: results.append(client.embed(TEXTS))) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(many, np.concatenate([expected] * 8))
    assert len(results) == 4 and all(np.array_equal(r, expected) for r in results)


def test_async_client_speaks_tls(servers, certificates):
    plain, secure = servers
    assert plain.address is not None and secure.address is not None

    async def main():
        async with multiembed.AsyncClient(*secure.address, ca_file=certificates["ca"], server_name=SERVER_NAME) as client:
            return await asyncio.gather(*(client.embed([t]) for t in TEXTS[:4]))

    rows = asyncio.run(main())
    with multiembed.Client(*plain.address) as client:
        np.testing.assert_array_equal(np.concatenate(rows), client.embed(TEXTS[:4]))


def test_a_client_that_does_not_trust_the_ca_is_refused(servers, certificates):
    _, secure = servers
    with tls_client(secure, certificates, ca_file=certificates["other_ca"]) as client:
        with pytest.raises(multiembed.TLSError, match="certificate is not trusted"):
            client.embed("x")
    with tls_client(secure, certificates, ca_file=None, tls=True) as client:  # the system's roots
        with pytest.raises(multiembed.TLSError, match="certificate is not trusted"):
            client.embed("x")

    async def main():
        async with multiembed.AsyncClient(*secure.address, ca_file=certificates["other_ca"], server_name=SERVER_NAME) as client:
            await client.embed("x")

    with pytest.raises(multiembed.TLSError, match="certificate is not trusted"):
        asyncio.run(main())


def test_a_wrong_host_name_is_refused(servers, certificates):
    _, secure = servers
    with tls_client(secure, certificates, server_name="embeddings.example.com") as client:
        with pytest.raises(multiembed.TLSError, match="not valid for the name embeddings.example.com"):
            client.embed("x")
    with tls_client(secure, certificates, server_name=None) as client:  # 127.0.0.1: not in the certificate
        with pytest.raises(multiembed.TLSError, match="not valid for the name 127.0.0.1"):
            client.embed("x")


def test_plain_text_on_the_tls_port_fails_cleanly_and_the_server_goes_on(servers, certificates):
    plain, secure = servers
    assert secure.address is not None
    with multiembed.Client(*secure.address, timeout=10.0, max_retries=0) as client:
        with pytest.raises(multiembed.ConnectionLost):
            client.embed("x")
    with tls_client(plain, certificates) as client:  # TLS to a plain port
        with pytest.raises(multiembed.TLSError, match="does not speak TLS"):
            client.embed("x")
    with tls_client(secure, certificates) as client:
        assert client.embed("still serving").shape == (384,)


def test_a_missing_ca_file_is_refused_naming_it(tmp_path):
    missing = tmp_path / "nope.pem"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        multiembed.Client(ca_file=str(missing))


@pytest.mark.parametrize("case", ["missing-cert", "missing-key", "mismatched-key", "key-only"])
def test_bad_certificate_files_stop_the_server_at_start_with_the_file_named(case, certificates, tmp_path):
    missing = str(tmp_path / "missing.pem")
    cert, key, named = {
        "missing-cert": ([missing], [certificates["key"]], missing),
        "missing-key": ([certificates["chain"]], [missing], missing),
        "mismatched-key": ([certificates["chain"]], [certificates["stranger_key"]], certificates["stranger_key"]),
        "key-only": ([certificates["chain"]], [], "--tls-key"),
    }[case]
    args = ["--tls-cert", *cert] + (["--tls-key", *key] if key else [])
    result = subprocess.run([str(BINARY), "serve", "--model", str(MODEL), "--port", "0", *args],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert named in result.stderr, result.stderr
    assert "listening on" not in result.stderr
