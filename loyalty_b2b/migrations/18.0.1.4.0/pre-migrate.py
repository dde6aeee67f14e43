from odoo.tools import sql

PROGRAM_TABLE = "loyalty_b2b_program"


def migrate(cr, version):
    """``auto_enroll`` became the entry method ``enrolment``: programs that
    enrolled companies automatically keep doing so, the others are manual.
    The column is filled before the ORM adds it, so that its default does
    not overwrite what the programs did."""
    if not sql.column_exists(cr, PROGRAM_TABLE, "auto_enroll"):
        return
    if not sql.column_exists(cr, PROGRAM_TABLE, "enrolment"):
        sql.create_column(cr, PROGRAM_TABLE, "enrolment", "varchar")
    cr.execute(
        """UPDATE loyalty_b2b_program
              SET enrolment = CASE WHEN auto_enroll THEN 'automatic'
                                   ELSE 'manual' END
            WHERE enrolment IS NULL"""
    )
