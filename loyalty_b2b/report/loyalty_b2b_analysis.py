from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

# Ledger kinds that hold money or stamps for a reward request without moving
# the balance: no part of what was earned, spent or lost.
ANALYSIS_SKIPPED_KINDS = ("reserve", "release")


class LoyaltyB2bAnalysis(models.Model):
    """What a loyalty program brings and costs, per card and month: the
    company's spend and invoices, the discounts the card gave, the cashback
    earned, redeemed, expired and adjusted, stamps, rewards and membership fees.
    One row per card and month in which anything happened. The current month
    (and any month from the snapshot's horizon on) is read in real time from
    the documents and the card ledger; closed months come from their snapshot,
    ``loyalty.b2b.analysis.month``, refreshed every night."""

    _name = "loyalty.b2b.analysis"
    _description = "Loyalty Program Analysis"
    _auto = False
    _rec_name = "card_id"
    _order = "date desc, card_id"
    _depends = {
        "loyalty.b2b.card": [
            "company_id",
            "issue_date",
            "partner_id",
            "program_id",
            "state",
            "tier_id",
        ],
        "loyalty.b2b.program": ["company_id", "program_type"],
        "loyalty.b2b.transaction": [
            "accrual_id",
            "amount",
            "card_id",
            "date",
            "is_cancelled",
            "kind",
            "reversed_entry_id",
            "stamps",
        ],
        "loyalty.b2b.reward.request": [
            "card_id",
            "cost_amount",
            "fulfilled_date",
            "state",
        ],
        "account.move": [
            "amount_untaxed_signed",
            "b2b_is_membership_fee",
            "b2b_membership_card_id",
            "commercial_partner_id",
            "company_id",
            "invoice_currency_rate",
            "invoice_date",
            "move_type",
            "reversed_entry_id",
            "state",
        ],
        "account.move.line": [
            "b2b_card_id",
            "b2b_discount",
            "b2b_reward_kind",
            "balance",
            "discount",
            "display_type",
            "move_id",
            "price_unit",
            "quantity",
            "sale_line_ids",
        ],
        "sale.order.line": ["discount", "order_id"],
        "sale.order": ["b2b_card_id"],
        "res.partner": ["industry_id", "user_id"],
        "res.company": ["currency_id", "parent_path"],
        "loyalty.b2b.analysis.month": [
            "card_id",
            "date",
            "spend_amount",
            "invoice_count",
            "discount_amount",
            "cashback_earned",
            "cashback_redeemed",
            "cashback_expired",
            "cashback_adjusted",
            "stamps_earned",
            "reward_count",
            "reward_value",
            "fee_amount",
            "new_count",
        ],
    }

    # Dimensions
    date = fields.Date(string="Month", readonly=True)
    card_id = fields.Many2one("loyalty.b2b.card", readonly=True)
    program_id = fields.Many2one("loyalty.b2b.program", readonly=True)
    program_type = fields.Selection(
        selection=lambda self: (
            self.env["loyalty.b2b.program"]
            ._fields["program_type"]
            ._description_selection(self.env)
        ),
        readonly=True,
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    tier_id = fields.Many2one(
        "loyalty.b2b.tier",
        string="Current Tier",
        readonly=True,
        help="The card's tier today, not the tier it had in the month.",
    )
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    industry_id = fields.Many2one(
        "res.partner.industry", string="Segment", readonly=True
    )
    card_state = fields.Selection(
        selection=lambda self: (
            self.env["loyalty.b2b.card"]
            ._fields["state"]
            ._description_selection(self.env)
        ),
        readonly=True,
    )

    # Measures
    spend_amount = fields.Monetary(
        string="Spend",
        readonly=True,
        help="Untaxed posted customer invoices minus credit notes of the "
        "company in the month, in the program's companies, cashback spent on "
        "them added back, membership fees left out.",
    )
    invoice_count = fields.Integer(
        string="Invoices",
        readonly=True,
        help="Posted customer invoices of the month (credit notes not counted).",
    )
    discount_amount = fields.Monetary(
        string="Discounts Given",
        readonly=True,
        help="What the card's discount took off posted invoice lines, untaxed, "
        "net of credit notes.",
    )
    cashback_earned = fields.Monetary(
        readonly=True, help="Cashback earned, net of what credit notes took back."
    )
    cashback_redeemed = fields.Monetary(
        readonly=True, help="Cashback spent on documents, net of what was given back."
    )
    cashback_expired = fields.Monetary(readonly=True)
    cashback_adjusted = fields.Monetary(
        readonly=True, help="Manual adjustments, signed: positive when granted."
    )
    stamps_earned = fields.Integer(readonly=True)
    reward_count = fields.Integer(
        string="Rewards Fulfilled", readonly=True, help="By fulfilment date."
    )
    reward_value = fields.Monetary(
        string="Rewards Value",
        readonly=True,
        help="Cashback cost of the rewards fulfilled (rewards paid in stamps count 0).",
    )
    fee_amount = fields.Monetary(
        string="Membership Fees",
        readonly=True,
        help="Untaxed posted membership fee invoices minus their credit notes.",
    )
    active_count = fields.Integer(
        string="Active Member-Months",
        readonly=True,
        help="1 when the company spent in the month: summed over months, a member "
        "active in three months counts 3.",
    )
    # The card when it was active in the month: counted distinct, the members
    # active in any period or group (a member active in three months counts 1).
    active_card_id = fields.Integer(
        string="Active Members",
        readonly=True,
        aggregator="count_distinct",
        help="Members whose company spent in the period, each counted once.",
    )
    new_count = fields.Integer(
        string="New Members",
        readonly=True,
        help="1 in the month the card was issued: summed, the new members.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT activity.card_id::bigint * 100000
                       + EXTRACT(YEAR FROM activity.month)::bigint * 12
                       + EXTRACT(MONTH FROM activity.month)::bigint AS id,
                   activity.month AS date,
                   card.id AS card_id,
                   card.program_id,
                   program.program_type,
                   card.partner_id,
                   card.company_id,
                   company.currency_id,
                   card.tier_id,
                   partner.user_id,
                   partner.industry_id,
                   card.state AS card_state,
                   activity.spend_amount,
                   activity.invoice_count,
                   activity.discount_amount,
                   activity.cashback_earned,
                   activity.cashback_redeemed,
                   activity.cashback_expired,
                   activity.cashback_adjusted,
                   activity.stamps_earned,
                   activity.reward_count,
                   activity.reward_value,
                   activity.fee_amount,
                   CASE WHEN activity.spend_amount > 0 THEN 1 ELSE 0 END
                       AS active_count,
                   CASE WHEN activity.spend_amount > 0 THEN card.id END
                       AS active_card_id,
                   activity.new_count
              FROM (%(activity)s) activity
              JOIN loyalty_b2b_card card ON card.id = activity.card_id
              JOIN loyalty_b2b_program program ON program.id = card.program_id
              JOIN res_company company ON company.id = card.company_id
              JOIN res_partner partner ON partner.id = card.partner_id
            """,
            activity=self._get_current_activity_query(),
        )

    @api.model
    def _get_current_activity_query(self):
        """``(card_id, month, measures...)`` of every month: the snapshot of
        the months before the horizon, the sources read live from it on. With
        no horizon (never refreshed), everything is read live."""
        snapshot = self.env["loyalty.b2b.analysis.month"]
        horizon = snapshot._get_horizon()
        live = self._get_activity_query(date_from=horizon)
        if not horizon:
            return live
        return SQL("%s UNION ALL %s", snapshot._get_snapshot_query(horizon), live)

    @api.model
    def _get_activity_query(self, date_from=None, date_to=None):
        """``(card_id, month, measures...)``: the sources of
        ``_get_activity_sources`` summed per card and month, from
        ``date_from`` to ``date_to`` (both included, either may be None)."""
        sources = self._get_activity_sources(date_from=date_from, date_to=date_to)
        measures = self._get_measure_columns()
        selects = []
        for source in sources.values():
            columns = [SQL("card_id"), SQL("month")] + [
                SQL("%s AS %s", source.get(name, SQL("0")), SQL.identifier(name))
                for name in measures
            ]
            selects.append(
                SQL(
                    "SELECT %s FROM (%s) %s",
                    SQL(", ").join(columns),
                    source["query"],
                    SQL.identifier(f"source_{len(selects)}"),
                )
            )
        sums = [
            SQL(
                "SUM(%s)::%s AS %s",
                SQL.identifier(name),
                SQL(kind),
                SQL.identifier(name),
            )
            for name, kind in measures.items()
        ]
        return SQL(
            """SELECT card_id, month, %s
                 FROM (%s) movements
             GROUP BY card_id, month""",
            SQL(", ").join(sums),
            SQL(" UNION ALL ").join(selects),
        )

    @api.model
    def _get_measure_columns(self):
        """Measures summed per card and month, with their SQL type. Hook."""
        return {
            "spend_amount": "numeric",
            "invoice_count": "integer",
            "discount_amount": "numeric",
            "cashback_earned": "numeric",
            "cashback_redeemed": "numeric",
            "cashback_expired": "numeric",
            "cashback_adjusted": "numeric",
            "stamps_earned": "integer",
            "reward_count": "integer",
            "reward_value": "numeric",
            "fee_amount": "numeric",
            "new_count": "integer",
        }

    @api.model
    def _get_period_condition(self, column, date_from=None, date_to=None):
        """SQL condition on ``column`` (a date, or a UTC timestamp) keeping the
        days ``date_from`` to ``date_to`` (both included, either may be None).
        Each source puts it in its own WHERE, so that PostgreSQL reads only the
        documents of the period, through the indexes on their dates."""
        conditions = [SQL("TRUE")]
        if date_from:
            conditions.append(SQL("%s >= %s", column, date_from))
        if date_to:
            conditions.append(SQL("%s < %s", column, date_to + timedelta(days=1)))
        return SQL(" AND ").join(conditions)

    @api.model
    def _get_activity_sources(self, date_from=None, date_to=None):
        """``{name: {"query": SQL with card_id and month, measure: column}}``:
        each source of activity from ``date_from`` to ``date_to`` (see
        ``_get_period_condition``) and the measures it gives (the others are
        0). Hook: add a source, or replace one; a new measure needs its field
        on this model and on ``loyalty.b2b.analysis.month``."""
        period = {"date_from": date_from, "date_to": date_to}
        return {
            "spend": {
                "query": self._get_spend_source(**period),
                "spend_amount": SQL("amount"),
                "invoice_count": SQL("invoices"),
            },
            "discount": {
                "query": self._get_discount_source(**period),
                "discount_amount": SQL("amount"),
            },
            "ledger": {
                "query": self._get_ledger_source(**period),
                "cashback_earned": SQL("earned"),
                "cashback_redeemed": SQL("redeemed"),
                "cashback_expired": SQL("expired"),
                "cashback_adjusted": SQL("adjusted"),
                "stamps_earned": SQL("stamps"),
            },
            "reward": {
                "query": self._get_reward_source(**period),
                "reward_count": SQL("rewards"),
                "reward_value": SQL("amount"),
            },
            "fee": {
                "query": self._get_fee_source(**period),
                "fee_amount": SQL("amount"),
            },
            "new": {
                "query": self._get_new_card_source(**period),
                "new_count": SQL("cards"),
            },
        }

    @api.model
    def _get_new_card_source(self, date_from=None, date_to=None):
        """The cards issued, in the month of their issue date."""
        return SQL(
            """SELECT id AS card_id,
                      date_trunc('month', issue_date)::date AS month,
                      1 AS cards
                 FROM loyalty_b2b_card
                WHERE %s""",
            self._get_period_condition(SQL("issue_date"), date_from, date_to),
        )

    @api.model
    def _get_spend_source(self, date_from=None, date_to=None):
        """Spend per card and month, by the rule of the tier engine
        (``loyalty.b2b.card._get_spend_query``) without the program's product
        categories: a whole-document sum per customer, company and month,
        joined to the cards of the companies the documents count for."""
        documents = SQL(
            """move.state = 'posted'
               AND move.move_type IN ('out_invoice', 'out_refund')
               AND move.b2b_is_membership_fee IS NOT TRUE
               AND %s""",
            self._get_period_condition(SQL("move.invoice_date"), date_from, date_to),
        )
        return SQL(
            """SELECT card.id AS card_id, spend.month,
                      SUM(spend.amount) AS amount,
                      SUM(spend.invoices) AS invoices
                 FROM (SELECT partner_id, company_id, month,
                              SUM(amount) AS amount, SUM(invoices) AS invoices
                         FROM (SELECT move.commercial_partner_id AS partner_id,
                                      move.company_id,
                                      date_trunc('month', move.invoice_date)::date
                                          AS month,
                                      move.amount_untaxed_signed AS amount,
                                      CASE WHEN move.move_type = 'out_invoice'
                                           THEN 1 ELSE 0 END AS invoices
                                 FROM account_move move
                                WHERE %(documents)s
                            UNION ALL
                               SELECT move.commercial_partner_id,
                                      move.company_id,
                                      date_trunc('month', move.invoice_date)::date,
                                      line.balance,
                                      0
                                 FROM account_move_line line
                                 JOIN account_move move ON move.id = line.move_id
                                WHERE line.b2b_reward_kind = 'cashback'
                                  AND %(documents)s) document
                     GROUP BY partner_id, company_id, month) spend
                 JOIN res_company document_company
                      ON document_company.id = spend.company_id
                 JOIN loyalty_b2b_card card ON card.partner_id = spend.partner_id
                 JOIN res_company card_company ON card_company.id = card.company_id
                WHERE document_company.parent_path
                      LIKE card_company.parent_path || %(any_tail)s
             GROUP BY card.id, spend.month""",
            documents=documents,
            # Branches of the card's company: their parent_path extends its own.
            any_tail="%",
        )

    @api.model
    def _get_discount_source(self, date_from=None, date_to=None):
        """The card's discount on posted invoice lines per card and month, in
        company currency: the rule of ``account.move.line._b2b_get_savings``
        (the card's share of the discount, none once the discount was changed
        on the invoice), signed by document (a credit note gives it back)."""
        return SQL(
            """SELECT COALESCE(line.b2b_card_id, origin.card_id) AS card_id,
                      date_trunc('month', move.invoice_date)::date AS month,
                      SUM(ROUND((
                          CASE WHEN line.b2b_discount >= 100
                               THEN line.price_unit * line.quantity
                                    / COALESCE(NULLIF(move.invoice_currency_rate, 0), 1)
                                    * CASE WHEN move.move_type = 'out_refund'
                                           THEN -1 ELSE 1 END
                               ELSE -line.balance * line.b2b_discount
                                    / (100 - line.b2b_discount)
                          END / currency.rounding)::numeric) * currency.rounding
                      ) AS amount
                 FROM account_move_line line
                 JOIN account_move move ON move.id = line.move_id
                 JOIN res_company company ON company.id = move.company_id
                 JOIN res_currency currency ON currency.id = company.currency_id
           CROSS JOIN (SELECT COALESCE(MAX(digits), 2) AS digits
                         FROM decimal_precision
                        WHERE name = 'Discount') discount_precision
            LEFT JOIN LATERAL (
                       SELECT MIN(sale_order.b2b_card_id) AS card_id,
                              BOOL_OR(
                                  ROUND(sale_line.discount::numeric,
                                        discount_precision.digits)
                                  != ROUND(line.discount::numeric,
                                           discount_precision.digits)
                              ) AS is_changed
                         FROM sale_order_line_invoice_rel rel
                         JOIN sale_order_line sale_line
                              ON sale_line.id = rel.order_line_id
                         JOIN sale_order ON sale_order.id = sale_line.order_id
                        WHERE rel.invoice_line_id = line.id
                       ) origin ON TRUE
                WHERE move.state = 'posted'
                  AND move.move_type IN ('out_invoice', 'out_refund')
                  AND %(period)s
                  AND line.display_type = 'product'
                  AND line.b2b_reward_kind IS NULL
                  AND line.b2b_discount > 0
                  AND origin.is_changed IS NOT TRUE
                  AND COALESCE(line.b2b_card_id, origin.card_id) IS NOT NULL
             GROUP BY 1, 2""",
            period=self._get_period_condition(
                SQL("move.invoice_date"), date_from, date_to
            ),
        )

    @api.model
    def _get_ledger_source(self, date_from=None, date_to=None):
        """Cashback and stamps of the card ledger per card and month: live
        entries only (an entry cancelled out and its cancellation both drop
        out), reservations left out; a credit note's reversal of an accrual
        counts with the cashback earned. Earned, redeemed and expired are
        positive; adjustments keep their sign."""
        return SQL(
            """SELECT card_id,
                      date_trunc('month', date)::date AS month,
                      SUM(CASE WHEN kind = 'earn'
                                 OR (kind = 'reverse' AND accrual_id IS NOT NULL)
                               THEN amount ELSE 0 END) AS earned,
                      -SUM(CASE WHEN kind = 'redeem' THEN amount ELSE 0 END)
                          AS redeemed,
                      -SUM(CASE WHEN kind = 'expire' THEN amount ELSE 0 END)
                          AS expired,
                      SUM(CASE WHEN kind = 'adjust' THEN amount ELSE 0 END)
                          AS adjusted,
                      SUM(CASE WHEN kind = 'stamp' THEN stamps ELSE 0 END)
                          AS stamps
                 FROM loyalty_b2b_transaction
                WHERE reversed_entry_id IS NULL
                  AND is_cancelled IS NOT TRUE
                  AND kind NOT IN %s
                  AND %s
             GROUP BY 1, 2""",
            ANALYSIS_SKIPPED_KINDS,
            self._get_period_condition(SQL("date"), date_from, date_to),
        )

    @api.model
    def _get_reward_source(self, date_from=None, date_to=None):
        """Rewards fulfilled per card and month of fulfilment."""
        return SQL(
            """SELECT card_id,
                      date_trunc('month', fulfilled_date)::date AS month,
                      COUNT(*) AS rewards,
                      SUM(COALESCE(cost_amount, 0)) AS amount
                 FROM loyalty_b2b_reward_request
                WHERE state = 'fulfilled' AND fulfilled_date IS NOT NULL
                  AND %s
             GROUP BY 1, 2""",
            self._get_period_condition(SQL("fulfilled_date"), date_from, date_to),
        )

    @api.model
    def _get_fee_source(self, date_from=None, date_to=None):
        """Membership fees per card and month: untaxed posted fee invoices
        minus their credit notes (which name the card through the fee they
        refund)."""
        return SQL(
            """SELECT COALESCE(move.b2b_membership_card_id,
                               refunded.b2b_membership_card_id) AS card_id,
                      date_trunc('month', move.invoice_date)::date AS month,
                      SUM(move.amount_untaxed_signed) AS amount
                 FROM account_move move
            LEFT JOIN account_move refunded ON refunded.id = move.reversed_entry_id
                WHERE move.state = 'posted'
                  AND move.move_type IN ('out_invoice', 'out_refund')
                  AND move.b2b_is_membership_fee
                  AND COALESCE(move.b2b_membership_card_id,
                               refunded.b2b_membership_card_id) IS NOT NULL
                  AND %s
             GROUP BY 1, 2""",
            self._get_period_condition(SQL("move.invoice_date"), date_from, date_to),
        )
