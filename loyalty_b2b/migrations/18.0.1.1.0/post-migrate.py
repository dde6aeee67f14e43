from odoo import SUPERUSER_ID, api

# The scheduled actions are not updated (noupdate): give them the methods'
# new names.
CRON_CODES = {
    "loyalty_b2b.ir_cron_b2b_recompute_tiers": "model._cron_recompute_tiers()",
    "loyalty_b2b.ir_cron_b2b_tier_notifications": "model._cron_notify_tier_changes()",
}


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, code in CRON_CODES.items():
        cron = env.ref(xmlid, raise_if_not_found=False)
        if cron:
            cron.code = code
