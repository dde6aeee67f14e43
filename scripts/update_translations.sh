#!/usr/bin/env bash
# Regenerate loyalty_b2b/i18n/loyalty_b2b.pot from a database where the add-on is
# installed, and merge the new terms into uk.po and ru.po (msgmerge, from gettext).
# Usage: scripts/update_translations.sh DATABASE
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
db=${1:?usage: scripts/update_translations.sh DATABASE}
i18n="$repo/loyalty_b2b/i18n"
odoo -d "$db" --addons-path="$repo" --i18n-export="$i18n/loyalty_b2b.pot" \
    --modules=loyalty_b2b --stop-after-init --log-level=warn
for lang in uk ru; do
    if [ -f "$i18n/$lang.po" ]; then
        msgmerge --quiet --update --backup=none --no-fuzzy-matching \
            "$i18n/$lang.po" "$i18n/loyalty_b2b.pot"
    else
        msginit --no-translator --locale="$lang" --input="$i18n/loyalty_b2b.pot" \
            --output-file="$i18n/$lang.po"
    fi
done
