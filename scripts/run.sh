#!/usr/bin/env bash
# Run loyalty_b2b with demo data on http://localhost:8069 (admin / admin).
# Usage: scripts/run.sh [database]   (default: $LOYALTY_B2B_DB or loyalty_b2b_demo)
# Extra Odoo options can be passed in $ODOO_ARGS (e.g. "--db_host=127.0.0.1").
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
db=${1:-${LOYALTY_B2B_DB:-loyalty_b2b_demo}}
port=${LOYALTY_B2B_PORT:-8069}
read -r -a extra <<<"${ODOO_ARGS:-}"

python3 -m pip install --quiet -r "$repo/requirements.txt"
# Printed quotations and invoices (PDF) need Debian's wkhtmltopdf; without it
# Odoo offers HTML only.
if ! command -v wkhtmltopdf >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wkhtmltopdf) >/dev/null ||
        echo "Could not install wkhtmltopdf: PDF reports are unavailable." >&2
fi
common=(-d "$db" --addons-path="$repo" "${extra[@]}")

installed=$(psql -XtA -d "$db" -c \
    "SELECT 1 FROM ir_module_module WHERE name = 'loyalty_b2b' AND state = 'installed'" \
    2>/dev/null || true)
if [ "$installed" != "1" ]; then
    echo "Installing loyalty_b2b with demo data into database '$db'..."
    odoo "${common[@]}" -i loyalty_b2b --stop-after-init
fi
echo "Serving Odoo on http://localhost:$port (database '$db', login admin / admin)"
exec odoo "${common[@]}" --http-port="$port" --db-filter="^${db}\$"
