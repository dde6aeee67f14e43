#!/usr/bin/env bash
# Run the whole loyalty_b2b test suite on a fresh throwaway database.
# Usage: scripts/test.sh [pytest arguments]   e.g. scripts/test.sh -k cashback
# The database is dropped afterwards; the exit code is non-zero on any failure,
# and on any WARNING or ERROR line that Odoo logs while installing the add-on.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
db=${LOYALTY_B2B_TEST_DB:-loyalty_b2b_test_$$}
log=$(mktemp -t loyalty_b2b_install.XXXXXX)

python3 -m pip install --quiet -r "$repo/test-requirements.txt"
# Printed quotations and invoices (PDF) need Debian's wkhtmltopdf; without it
# Odoo offers HTML only and the PDF test is skipped.
if ! command -v wkhtmltopdf >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wkhtmltopdf) >/dev/null ||
        echo "Could not install wkhtmltopdf: the PDF test is skipped." >&2
fi
cleanup() {
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    rm -f "$log"
}
trap cleanup EXIT

createdb "$db"
echo "Installing loyalty_b2b (without demo data) into '$db'..."
if ! odoo -d "$db" --addons-path="$repo" -i loyalty_b2b,loyalty_b2b_automation,loyalty_b2b_dashboard \
    --without-demo=all --stop-after-init --log-level=info --logfile="$log"; then
    cat "$log"
    exit 1
fi
if grep -E "^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) " "$log"; then
    echo "Odoo logged warnings or errors while installing loyalty_b2b (above)."
    exit 1
fi

cd "$repo"
python3 -m pytest --odoo-database="$db" --odoo-addons-path="$repo" \
    --odoo-http loyalty_b2b/tests loyalty_b2b_automation/tests \
    loyalty_b2b_dashboard/tests "$@"
