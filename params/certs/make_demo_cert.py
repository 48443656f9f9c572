"""Make the sample firm's DEMO signing certificate: a self-signed RSA-2048 certificate and its key in PKCS#12
(``demo-firm.p12``, password ``demo-only``) and the certificate alone in PEM (``demo-firm.crt``, what
``wealth verify`` compares a signer with).

A demonstration certificate, named as such in its subject ("DEMO ONLY"): it lets ``make demo`` sign its
documents and ``wealth verify`` check them out of the box. Both files are committed, so every checkout signs
and verifies with the same certificate (one generated at ``make demo`` time would differ per machine, and a
document signed on one would not verify as the firm's on another); the key protects nothing real. A firm
replaces them with its own certificate (``guard.signing`` in policy.yaml; its password from the environment
variable named there, never from a file).

Run once: ``python params/certs/make_demo_cert.py`` (refuses to overwrite; ``--force`` makes a new one).
"""

from __future__ import annotations

import sys
from pathlib import Path

from wealthlib.guard.certs import make_self_signed, write_pem, write_pkcs12

HERE = Path(__file__).resolve().parent
PASSWORD = b"demo-only"


def main(argv: list[str]) -> int:
    p12, crt = HERE / "demo-firm.p12", HERE / "demo-firm.crt"
    if (p12.exists() or crt.exists()) and "--force" not in argv:
        print(f"{p12} exists; use --force to make a new DEMO certificate (old signatures then stop matching it)")
        return 1
    key, cert = make_self_signed("DEMO ONLY - Demo Securities Co. signing", "Demo Securities Co. (DEMO ONLY)")
    write_pkcs12(p12, key, cert, PASSWORD, b"DEMO firm signing")
    write_pem(crt, cert)
    print(f"wrote {p12} (password {PASSWORD.decode()}) and {crt}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
