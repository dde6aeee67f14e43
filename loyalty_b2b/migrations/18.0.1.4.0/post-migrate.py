from odoo.tools import sql

OLD_ACTIVE_CARD_INDEX = "loyalty_b2b_card_active_program_partner_uniq"
# The spend index counted every invoice; the new one leaves membership fees out.
OLD_SPEND_INDEX = "account_move_b2b_spend_idx"


def migrate(cr, version):
    """The old flag is now ``enrolment`` (see pre-migrate); the unique index
    on active cards became one on current (active or pending) cards, created
    by the model's init(); so did the spend index, now without membership
    fees."""
    sql.drop_index(cr, OLD_ACTIVE_CARD_INDEX, "loyalty_b2b_card")
    sql.drop_index(cr, OLD_SPEND_INDEX, "account_move")
    if sql.column_exists(cr, "loyalty_b2b_program", "auto_enroll"):
        cr.execute("ALTER TABLE loyalty_b2b_program DROP COLUMN auto_enroll")
