from odoo.tools import sql

OLD_ACTIVE_CARD_INDEX = "loyalty_b2b_card_active_program_partner_uniq"


def migrate(cr, version):
    """The old flag is now ``enrolment`` (see pre-migrate); the unique index
    on active cards became one on current (active or pending) cards, created
    by the model's init()."""
    sql.drop_index(cr, OLD_ACTIVE_CARD_INDEX, "loyalty_b2b_card")
    if sql.column_exists(cr, "loyalty_b2b_program", "auto_enroll"):
        cr.execute("ALTER TABLE loyalty_b2b_program DROP COLUMN auto_enroll")
