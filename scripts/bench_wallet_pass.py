#!/usr/bin/env python3
"""What generating a card's Apple Wallet pass costs, beside zipping its files.

Usage (from the repository root)::

    python3 scripts/bench_wallet_pass.py [-d DB] [--passes 200] [--keep]

``DB`` (default ``loyalty_b2b_bench_wallet``) is created with loyalty_b2b and
no demo data, and dropped at the end, when it does not exist (``--keep``
keeps it); the data the benchmark creates in an existing one are rolled back.

It configures the first company with a throwaway certificate chain (a root, an
intermediate in the place of Apple's WWDR certificate, a 2048-bit RSA pass
certificate), gives a cashback program a 256 x 256 logo and a customer a card,
then generates ``--passes`` passes of the card (``card._get_apple_pass()``:
pass.json, the four images resized from the logo, manifest, PKCS#7 signature,
zip), each from a cold ORM cache as a request would, and prints the median
and 95th percentile in ms per pass (target <= 50 ms) beside the bare baseline:
zipping the same files, already built.
"""

import argparse
import base64
import datetime
import io
import os
import statistics
import sys
import time

from bench_common import boot_odoo, drop_database, prepare_database

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_MS = 50.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-d", "--database", default="loyalty_b2b_bench_wallet")
    parser.add_argument("--passes", type=int, default=200)
    parser.add_argument("--addons-path", default=REPO)
    parser.add_argument("--keep", action="store_true", help="keep a created database")
    return parser.parse_args()


def certificate_chain():
    """``(pass certificate PEM, pass key PEM, intermediate PEM)``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def certificate(name, key, issuer, issuer_key, is_ca):
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), True)
            .sign(issuer_key, hashes.SHA256())
        )

    root_key, wwdr_key, pass_key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        for _i in range(3)
    )
    wwdr = certificate("Bench WWDR", wwdr_key, "Bench Root", root_key, True)
    pass_cert = certificate("Bench pass", pass_key, "Bench WWDR", wwdr_key, False)
    pem = serialization.Encoding.PEM
    return (
        pass_cert.public_bytes(pem),
        pass_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        wwdr.public_bytes(pem),
    )


def logo_png():
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (256, 256), (20, 60, 120, 255))
    ImageDraw.Draw(image).ellipse((40, 40, 216, 216), fill=(240, 200, 40, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def run(odoo, args):
    from odoo.modules.registry import Registry

    from odoo.addons.loyalty_b2b.models import wallet_pkpass

    certificate, key, wwdr = certificate_chain()
    with Registry(args.database).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = env["res.company"].search([], limit=1)
        company.write(
            {
                "b2b_apple_pass_type_identifier": "pass.com.example.bench",
                "b2b_apple_team_identifier": "BENCH12345",
                "b2b_apple_certificate": base64.b64encode(certificate),
                "b2b_apple_private_key": base64.b64encode(key),
                "b2b_apple_wwdr_certificate": base64.b64encode(wwdr),
            }
        )
        program = env["loyalty.b2b.program"].create(
            {
                "name": "Bench cashback",
                "program_type": "cashback",
                "company_id": company.id,
                "logo": base64.b64encode(logo_png()),
                "tier_ids": [
                    odoo.Command.create({"name": "Base", "cashback_percent": 2})
                ],
            }
        )
        partner = env["res.partner"].create(
            {"name": "Bench customer", "is_company": True}
        )
        card = env["loyalty.b2b.card"].create(
            {"program_id": program.id, "partner_id": partner.id}
        )
        card._get_apple_pass()  # warm-up: the card's token, imports
        pass_times = []
        for _i in range(args.passes):
            env.invalidate_all()
            start = time.perf_counter()
            content = card._get_apple_pass()
            pass_times.append((time.perf_counter() - start) * 1000)
        files = wallet_pkpass.read_files(content)
        zip_times = []
        for _i in range(args.passes):
            start = time.perf_counter()
            wallet_pkpass.zip_files(files)
            zip_times.append((time.perf_counter() - start) * 1000)
        cr.rollback()
    median = statistics.median(pass_times)
    print(f"Apple Wallet pass of a cashback card with a logo, {args.passes} passes:")
    print(
        f"  pass generated : median {median:6.2f} ms, "
        f"p95 {percentile(pass_times, 0.95):6.2f} ms per pass "
        f"({len(content)} bytes; target <= {TARGET_MS:.0f} ms)"
    )
    print(
        f"  bare zip       : median {statistics.median(zip_times):6.2f} ms, "
        f"p95 {percentile(zip_times, 0.95):6.2f} ms (the same files, already built)"
    )
    return median <= TARGET_MS


def main():
    args = parse_args()
    odoo = boot_odoo(args.addons_path)
    created = prepare_database(odoo, args.database, ["loyalty_b2b"])
    try:
        ok = run(odoo, args)
    finally:
        if created and not args.keep:
            drop_database(odoo, args.database)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
