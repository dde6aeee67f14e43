#!/usr/bin/env bash
# Regenerate each add-on's i18n/<addon>.pot from a database where the add-ons
# are installed, and merge the new terms into uk.po and ru.po (msgmerge, from
# gettext).
# Usage: scripts/update_translations.sh DATABASE [ADDON...]
# (default: loyalty_b2b and its bridges loyalty_b2b_automation, loyalty_b2b_dashboard)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
db=${1:?usage: scripts/update_translations.sh DATABASE [ADDON...]}
shift
addons=("$@")
if [ ${#addons[@]} -eq 0 ]; then
    addons=(loyalty_b2b loyalty_b2b_automation loyalty_b2b_dashboard)
fi
for addon in "${addons[@]}"; do
    i18n="$repo/$addon/i18n"
    mkdir -p "$i18n"
    odoo -d "$db" --addons-path="$repo" --i18n-export="$i18n/$addon.pot" \
        --modules="$addon" --stop-after-init --log-level=warn
    for lang in uk ru; do
        if [ -f "$i18n/$lang.po" ]; then
            msgmerge --quiet --update --backup=none --no-fuzzy-matching \
                "$i18n/$lang.po" "$i18n/$addon.pot"
        else
            msginit --no-translator --locale="$lang" --input="$i18n/$addon.pot" \
                --output-file="$i18n/$lang.po"
        fi
    done
done
