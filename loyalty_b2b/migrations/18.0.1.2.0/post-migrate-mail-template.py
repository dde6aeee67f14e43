import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

TEMPLATE_XMLID = "loyalty_b2b.mail_template_b2b_tier_upgrade"
TEMPLATE_FILE = "loyalty_b2b/data/mail_template_data.xml"
# The subject the upgrade email had before: a template that still has it was
# not edited by an administrator.
OLD_SUBJECT = (
    "{{ object.company_id.name }}: your {{ object.program_id.name }} card "
    "reached {{ object.new_tier_id.name }}"
)


def migrate(cr, version):
    """The upgrade email is noupdate data: give databases that kept the old
    one the new subject and body (the customer's view, its benefit and next
    tier), with their translations. A template an administrator edited is left
    as it is; its Reset Template button loads the new one."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    template = env.ref(TEMPLATE_XMLID, raise_if_not_found=False)
    if not template:
        return
    if template.with_context(lang="en_US").subject != OLD_SUBJECT:
        _logger.info(
            "Upgrade email %s was edited: left as it is (Reset Template loads "
            "the new one).",
            TEMPLATE_XMLID,
        )
        return
    if not template.template_fs:
        template.template_fs = TEMPLATE_FILE
    template.reset_template()
