from odoo import fields, models
from odoo.tools import SQL


class LoyaltyB2bJournalItem(models.Model):
    """The journal items the loyalty ledger booked, read-only: the lines of its
    cashback journal entries and the redemption lines of invoices and credit
    notes, one row per journal item and with its id.

    The card ledger shows them to everyone who reads the ledger: salespeople
    and billing users read no journal entry of the loyalty journal, and
    without the full accounting features no form shows their lines."""

    _name = "loyalty.b2b.journal.item"
    _description = "B2B Loyalty Journal Item"
    _auto = False
    _order = "move_id, id"
    _depends = {
        "account.move.line": [
            "account_id",
            "b2b_card_id",
            "company_id",
            "credit",
            "date",
            "debit",
            "move_id",
            "name",
            "partner_id",
        ],
        "account.move": ["b2b_cashback_kind"],
    }

    move_id = fields.Many2one("account.move", string="Journal Entry", readonly=True)
    date = fields.Date(readonly=True)
    account_id = fields.Many2one("account.account", readonly=True)
    partner_id = fields.Many2one("res.partner", readonly=True)
    name = fields.Char(string="Label", readonly=True)
    debit = fields.Monetary(readonly=True)
    credit = fields.Monetary(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT line.id,
                   line.move_id,
                   line.date,
                   line.account_id,
                   line.partner_id,
                   line.name,
                   line.debit,
                   line.credit,
                   line.company_id,
                   line.company_currency_id AS currency_id
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
             WHERE move.b2b_cashback_kind IS NOT NULL
                OR line.b2b_card_id IS NOT NULL
            """
        )
