"""Self-signed signing certificates (the sample firm's DEMO certificate, and tests' own) with ``cryptography``."""

from __future__ import annotations

from datetime import datetime, timezone


def make_self_signed(common_name: str, organization: str, *, valid_from: datetime | None = None,
                     valid_to: datetime | None = None, country: str = "TW"):
    """``(private_key, certificate)``: RSA-2048, SHA-256, key usage digital signature + non-repudiation."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    valid_from = valid_from or datetime(2018, 1, 1, tzinfo=timezone.utc)
    valid_to = valid_to or datetime(2046, 12, 31, tzinfo=timezone.utc)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, country),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(valid_from).not_valid_after(valid_to)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def write_pkcs12(path, key, cert, password: bytes, friendly_name: bytes = b"signing") -> None:
    from pathlib import Path

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    Path(path).write_bytes(pkcs12.serialize_key_and_certificates(
        friendly_name, key, cert, None, serialization.BestAvailableEncryption(password)))


def write_pem(path, cert) -> None:
    from pathlib import Path

    from cryptography.hazmat.primitives import serialization

    Path(path).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
