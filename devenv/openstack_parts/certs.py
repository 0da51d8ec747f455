"""Octavia's test CA: the certificate authority its worker signs amphora certificates with.

Where it sits: `devenv.openstack_parts.octavia` writes these files under
`.devenv/openstack/octavia/certs/` before rendering octavia.conf (`[certificates]` ca_certificate
and ca_private_key with its passphrase, `[controller_worker]` client_ca, `[haproxy_amphora]`
client_cert and server_ca). No amphora ever runs (no-op drivers), but the create flow still
generates a server certificate with this CA, so it has to be a real one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from devenv.openstack_parts.plan import write_private


@dataclass(frozen=True)
class OctaviaCa:
    """Paths of the CA files and the CA key's passphrase."""

    ca_cert: Path
    ca_key: Path
    passphrase: str
    client_pem: Path


def _cert(
    subject: str, key: rsa.RSAPrivateKey, issuer: tuple[x509.Name, rsa.RSAPrivateKey] | None
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    issuer_name, issuer_key = issuer or (name, key)
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def make_octavia_ca(folder: Path, passphrase: str) -> OctaviaCa:
    """A CA (key encrypted with `passphrase`) and a client certificate+key PEM it signed."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _cert("lbcontroller-devenv-octavia-ca", ca_key, None)
    client_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client = _cert("octavia-controller", client_key, (ca.subject, ca_key))
    pem = serialization.Encoding.PEM
    files = OctaviaCa(folder / "ca.pem", folder / "ca.key", passphrase, folder / "client.pem")
    files.ca_cert.write_bytes(ca.public_bytes(pem))
    write_private(
        files.ca_key,
        ca_key.private_bytes(
            pem,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.BestAvailableEncryption(passphrase.encode()),
        ).decode(),
    )
    client_key_pem = client_key.private_bytes(
        pem, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    write_private(files.client_pem, (client.public_bytes(pem) + client_key_pem).decode())
    return files
