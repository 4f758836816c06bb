"""A self-signed development certificate for ``lca serve --dev-cert`` (local use only).

Made with the ``cryptography`` package: an EC P-256 key and a certificate for
``localhost``, ``127.0.0.1`` and ``::1`` valid 30 days, written to
``PROJECT/pact/dev-cert.pem`` and ``dev-key.pem`` (0600) and reused while valid.
Clients must trust that certificate explicitly (e.g. ``curl --cacert``).
"""
from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from . import files

VALID_DAYS = 30  # [days]


def dev_certificate(project_path, hosts: tuple[str, ...] = ()) -> tuple[Path, Path]:
    """``(cert.pem, key.pem)`` of a self-signed certificate for localhost (made or reused)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    d = files.pact_dir(project_path)
    cert_path, key_path = d / "dev-cert.pem", d / "dev-key.pem"
    names = ["localhost", "127.0.0.1", "::1", *[h for h in hosts if h and h not in ("0.0.0.0", "::")]]
    now = dt.datetime.now(dt.timezone.utc)
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        have = {str(v) for v in san.get_values_for_type(x509.DNSName)} | \
               {str(v) for v in san.get_values_for_type(x509.IPAddress)}
        if cert.not_valid_after_utc - now > dt.timedelta(days=1) and set(names) <= have:
            return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "green-lca development server")])
    alt = []
    for n in dict.fromkeys(names):
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            alt.append(x509.DNSName(n))
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=True, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    files.write_bytes(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    files.write_bytes(cert_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return cert_path, key_path
