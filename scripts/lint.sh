#!/usr/bin/env bash
# Lint loyalty_b2b and its bridge add-ons: ruff (lint + format), pylint-odoo
# with OCA's mandatory checks, and prettier on XML when Node.js is available. Non-zero exit on any finding.
set -euo pipefail
addons=(loyalty_b2b loyalty_b2b_automation loyalty_b2b_dashboard)
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
python3 -m pip install --quiet -r test-requirements.txt
ruff check "${addons[@]}" scripts conftest.py
ruff format --check "${addons[@]}" scripts conftest.py
pylint --rcfile=.pylintrc-mandatory "${addons[@]}"
if command -v npm >/dev/null 2>&1; then
    # Prettier and its XML plugin live in a cache outside the repository.
    tools=${XDG_CACHE_HOME:-$HOME/.cache}/loyalty_b2b_lint
    if [ ! -x "$tools/node_modules/.bin/prettier" ]; then
        npm install --silent --prefix "$tools" prettier@3 @prettier/plugin-xml@3
    fi
    "$tools/node_modules/.bin/prettier" \
        --plugin="$tools/node_modules/@prettier/plugin-xml/src/plugin.js" \
        --check "loyalty_b2b*/**/*.xml"
else
    echo "npm not found: XML formatting not checked."
fi
