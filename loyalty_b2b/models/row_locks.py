from odoo.tools import SQL


def serialize_on(records):
    """Make the transactions that call this on the same rows run one after the
    other.

    Odoo runs at REPEATABLE READ: two transactions that each check a total
    summed from other rows (a card's ledger, a reward's requests), then insert
    their own, never conflict and can overdraw it together (write skew).
    Updating the rows, not merely locking them, makes the second transaction
    wait for the first and then fail with a serialization error; Odoo retries
    the request on a fresh snapshot, which sees what the first one did.
    """
    if records.ids:
        records.env.cr.execute(
            SQL(
                "UPDATE %s SET write_date = write_date WHERE id IN %s",
                SQL.identifier(records._table),
                tuple(sorted(records.ids)),
            )
        )
