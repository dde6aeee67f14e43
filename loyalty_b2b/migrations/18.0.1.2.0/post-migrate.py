from odoo import SUPERUSER_ID, api

# The record rules are not updated (noupdate): branches now use their parent
# company's programs, tiers and cards, as sale_loyalty's rules let them.
RULES = (
    "loyalty_b2b.loyalty_b2b_program_rule_company",
    "loyalty_b2b.loyalty_b2b_tier_rule_company",
    "loyalty_b2b.loyalty_b2b_card_rule_company",
)
DOMAIN = (
    "['|', ('company_id', 'in', company_ids + [False]), "
    "('company_id', 'parent_of', company_ids)]"
)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid in RULES:
        rule = env.ref(xmlid, raise_if_not_found=False)
        if rule:
            rule.domain_force = DOMAIN
