"""The platform's own PDF signature (PAdES baseline B): any reader can tell a change.

The deployment configures a key and certificate (LASTMILE_SIGNING_KEY and
LASTMILE_SIGNING_CERT, PEM files). Without them — in development and tests — a
self-signed pair is generated once into LASTMILE_SIGNING_DIR and reused. The same pair
signs the audit chains' checkpoints (platform_sign): checking one needs only the
certificate, making one needs the key, which the database never holds.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import fcntl
import io
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

T = TypeVar("T")

_lock = threading.Lock()


def _outside_event_loop(function: Callable[[], T]) -> T:
    """pyHanko's sync API calls asyncio.run(); under a running loop, use a fresh thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


def generate_key_pair(key_path: Path, cert_path: Path) -> None:
    """A self-signed pair, written atomically under a file lock (several processes may
    start at once: they must all end up with the same pair)."""
    key_path.parent.mkdir(parents=True, exist_ok=True)
    with open(key_path.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if key_path.exists() and cert_path.exists():
                return
            _generate_self_signed(key_path, cert_path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _generate_self_signed(key_path: Path, cert_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Lastmile development signing key"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lastmile (development)"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_tmp, cert_tmp = key_path.with_suffix(".tmp"), cert_path.with_suffix(".tmp")
    key_tmp.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_tmp.chmod(0o600)
    cert_tmp.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_tmp.replace(key_path)
    cert_tmp.replace(cert_path)


def key_paths() -> tuple[Path, Path]:
    if settings.LASTMILE_SIGNING_KEY and settings.LASTMILE_SIGNING_CERT:
        return Path(settings.LASTMILE_SIGNING_KEY), Path(settings.LASTMILE_SIGNING_CERT)
    if not settings.LASTMILE_SIGNING_DEV_KEY:
        raise ImproperlyConfigured(
            "Set LASTMILE_SIGNING_KEY and LASTMILE_SIGNING_CERT (PEM files) to sign executed "
            "agreements; `python manage.py signing_key DIR` makes a pair."
        )
    folder = Path(settings.LASTMILE_SIGNING_DIR)
    key_path, cert_path = folder / "dev-signing-key.pem", folder / "dev-signing-cert.pem"
    with _lock:
        if not (key_path.exists() and cert_path.exists()):
            generate_key_pair(key_path, cert_path)
    return key_path, cert_path


@cache
def _signer(key_path: Path, cert_path: Path) -> signers.SimpleSigner:
    return signers.SimpleSigner.load(str(key_path), str(cert_path))


def pades_sign(pdf: bytes, *, reason: str, location: str = "") -> bytes:
    """Sign the whole file; a later change to any byte breaks the signature."""
    key_path, cert_path = key_paths()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name="Lastmile",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    signer = _signer(key_path, cert_path)
    return _outside_event_loop(lambda: signers.sign_pdf(writer, metadata, signer=signer).getvalue())


@dataclass(frozen=True)
class SignatureCheck:
    signed: bool
    intact: bool
    trusted: bool
    whole_file: bool


def pades_check(pdf: bytes) -> SignatureCheck:
    """Is the file signed by this platform's key, and unchanged since?"""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
    except Exception:  # noqa: BLE001 - anything unreadable is simply "not signed"
        return SignatureCheck(False, False, False, False)
    if not embedded:
        return SignatureCheck(False, False, False, False)
    _, cert_path = key_paths()
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(cert_path))])
    status = _outside_event_loop(lambda: validate_pdf_signature(embedded[-1], context))
    whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
    return SignatureCheck(True, bool(status.intact and status.valid), bool(status.trusted), whole)


@cache
def _private_key(key_path: Path):
    return serialization.load_pem_private_key(key_path.read_bytes(), password=None)


@cache
def _certificate(cert_path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(cert_path.read_bytes())


def _fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def platform_sign(data: bytes) -> tuple[str, str]:
    """Sign bytes with the platform's key: (the signature in base64, the SHA-256
    fingerprint of the certificate that checks it)."""
    key_path, cert_path = key_paths()
    key = _private_key(key_path)
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(data, ec.ECDSA(hashes.SHA256()))
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        signature = key.sign(data)
    else:
        raise ImproperlyConfigured("The signing key must be RSA, EC or Ed25519.")
    return base64.b64encode(signature).decode(), _fingerprint(_certificate(cert_path))


def platform_verify(data: bytes, signature: str, fingerprint: str) -> bool:
    """Was `data` signed with the platform's key, the one this deployment's certificate
    names? A signature by any other key (even a well-formed one) is False."""
    _, cert_path = key_paths()
    certificate = _certificate(cert_path)
    if fingerprint != _fingerprint(certificate):
        return False
    public = certificate.public_key()
    try:
        raw = base64.b64decode(signature, validate=True)
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(raw, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(raw, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(raw, data)
        else:
            return False
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
