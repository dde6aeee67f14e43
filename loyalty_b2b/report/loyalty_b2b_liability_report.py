from odoo import api, fields, models
from odoo.tools import SQL


class LoyaltyB2bLiabilityReport(models.Model):
    """Cashback owed per partner, from the card ledger and from the general
    ledger side by side, per day: grouped, filtered up to a date, the two must
    be equal."""

    _name = "loyalty.b2b.liability.report"
    _description = "Cashback Liability Reconciliation"
    _auto = False
    _depends = {
        "loyalty.b2b.transaction": [
            "amount",
            "company_id",
            "date",
            "move_id",
            "partner_id",
            "program_id",
        ],
        "loyalty.b2b.program": ["company_id", "liability_account_id", "program_type"],
        "loyalty.b2b.card": ["program_id"],
        "res.company": ["currency_id"],
        "account.move.line": [
            "account_id",
            "b2b_card_id",
            "balance",
            "company_id",
            "date",
            "move_id",
            "parent_state",
            "partner_id",
        ],
    }
    _order = "company_id, program_id, partner_id, date"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    program_id = fields.Many2one(
        "loyalty.b2b.program",
        readonly=True,
        help="Empty: items booked on a cashback liability account outside the "
        "loyalty ledger.",
    )
    partner_id = fields.Many2one("res.partner", readonly=True)
    date = fields.Date(readonly=True)
    ledger_balance = fields.Monetary(
        string="Card Ledger",
        readonly=True,
        help="Cashback balance per the card ledger.",
    )
    account_balance = fields.Monetary(
        string="Liability Account",
        readonly=True,
        help="Credit balance of the program's liability account (posted entries).",
    )
    difference = fields.Monetary(readonly=True)
    is_mismatch = fields.Boolean(
        string="Mismatch",
        readonly=True,
        help="The card ledger and the liability account disagree on this "
        "partner's balance of this program (all dates).",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT ROW_NUMBER() OVER (
                        ORDER BY daily.company_id, daily.program_id,
                                 daily.partner_id, daily.date
                   ) AS id,
                   daily.*,
                   ABS(SUM(daily.difference) OVER (
                        PARTITION BY daily.company_id, daily.program_id,
                                     daily.partner_id
                   )) > currency.rounding / 2 AS is_mismatch
              FROM (
                    SELECT company_id,
                           program_id,
                           partner_id,
                           date,
                           SUM(ledger_amount) AS ledger_balance,
                           SUM(account_amount) AS account_balance,
                           SUM(ledger_amount) - SUM(account_amount) AS difference
                      FROM (
                            SELECT entry.company_id,
                                   entry.program_id,
                                   entry.partner_id,
                                   entry.date,
                                   entry.amount AS ledger_amount,
                                   0.0 AS account_amount
                              FROM loyalty_b2b_transaction entry
                              JOIN loyalty_b2b_program program
                                ON program.id = entry.program_id
                             WHERE program.program_type = 'cashback'
                               AND entry.amount != 0
                         UNION ALL
                            SELECT COALESCE(program.company_id, line.company_id),
                                   program.id,
                                   line.partner_id,
                                   line.date,
                                   0.0,
                                   -line.balance
                              FROM account_move_line line
                         LEFT JOIN (
                                    SELECT move_id, MIN(program_id) AS program_id
                                      FROM loyalty_b2b_transaction
                                     WHERE move_id IS NOT NULL
                                  GROUP BY move_id
                                   ) source ON source.move_id = line.move_id
                         LEFT JOIN loyalty_b2b_card card
                                ON card.id = line.b2b_card_id
                         LEFT JOIN loyalty_b2b_program program
                                ON program.id = COALESCE(
                                    card.program_id, source.program_id
                                )
                             WHERE line.parent_state = 'posted'
                               AND line.account_id IN (
                                    SELECT liability_account_id
                                      FROM loyalty_b2b_program
                                     WHERE program_type = 'cashback'
                                       AND liability_account_id IS NOT NULL
                                   )
                           ) AS amounts
                  GROUP BY company_id, program_id, partner_id, date
                   ) AS daily
              JOIN res_company company ON company.id = daily.company_id
              JOIN res_currency currency ON currency.id = company.currency_id
            """
        )

    @api.model
    def _get_mismatches(self, date=None):
        """``[(company, program, partner, difference)]`` where the card ledger
        and the liability account disagree, up to ``date`` (default: all)."""
        domain = [("date", "<=", date)] if date else []
        groups = self._read_group(
            domain,
            ["company_id", "program_id", "partner_id"],
            ["difference:sum"],
        )
        return [
            (company, program, partner, difference)
            for company, program, partner, difference in groups
            if not company.currency_id.is_zero(difference)
        ]
