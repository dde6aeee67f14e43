import threading
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL, split_every

# ir.config_parameter keys: the first month the analysis reads live (every
# month before it comes from the snapshot), and when the snapshot was last
# refreshed.
HORIZON_PARAM = "loyalty_b2b.analysis_horizon"
REFRESHED_AT_PARAM = "loyalty_b2b.analysis_refreshed_at"
# Documents are stamped with the start of the transaction that writes them: one
# that started before a refresh and committed after it carries an older
# stamp. The next refresh looks back this much further to catch it.
REFRESH_OVERLAP = timedelta(hours=1)
# Snapshot rows per ORM create.
SNAPSHOT_CREATE_BATCH = 5000


class LoyaltyB2bAnalysisMonth(models.Model):
    """The program analysis of one closed month, per card: what
    ``loyalty.b2b.analysis`` reads for the months before the horizon instead of
    summing the documents again. Refreshed every night
    (``_cron_refresh_past_months``): the closed months not yet in it, and those
    whose documents, ledger entries or rewards changed since the last refresh.
    The current month is never stored: the analysis reads it live.

    Technical: no screen. The measures are those of
    ``loyalty.b2b.analysis._get_measure_columns``, same names and types."""

    _name = "loyalty.b2b.analysis.month"
    _description = "Loyalty Analysis of a Past Month"
    _order = "date desc, card_id"
    _rec_name = "card_id"

    card_id = fields.Many2one(
        "loyalty.b2b.card", required=True, index=True, ondelete="cascade"
    )
    date = fields.Date(
        string="Month", required=True, index=True, help="First day of the month."
    )
    # Stored with the row rather than related to the card: the amounts are in
    # it, and the ORM rounds them by it without reading each card.
    currency_id = fields.Many2one("res.currency", required=True)
    spend_amount = fields.Monetary(string="Spend")
    invoice_count = fields.Integer(string="Invoices")
    discount_amount = fields.Monetary(string="Card Discounts")
    cashback_earned = fields.Monetary()
    cashback_redeemed = fields.Monetary()
    cashback_expired = fields.Monetary()
    cashback_adjusted = fields.Monetary()
    stamps_earned = fields.Integer()
    reward_count = fields.Integer(string="Rewards Fulfilled")
    reward_value = fields.Monetary(string="Rewards Value")
    fee_amount = fields.Monetary(string="Membership Fees")
    new_count = fields.Integer(string="New Members")

    _sql_constraints = [
        (
            "card_month_uniq",
            "UNIQUE(card_id, date)",
            "A card has one snapshot row per month.",
        ),
    ]

    # Horizon ------------------------------------------------------------------

    @api.model
    def _get_horizon(self):
        """First month the analysis reads live, None before the first refresh
        (then everything is read live)."""
        value = self.env["ir.config_parameter"].sudo().get_param(HORIZON_PARAM)
        return fields.Date.to_date(value) if value else None

    @api.model
    def _get_stored_param(self, key):
        """``key``'s value as the database holds it now, past the cache of
        ``get_param`` (another worker may have changed it)."""
        param = self.env["ir.config_parameter"].sudo().search([("key", "=", key)])
        return param.value or None

    @api.model
    def _reopen_month(self, month):
        """Read ``month`` and every month after it live again, until the next
        refresh: their snapshot no longer matches the documents (a posted
        document of the month was reset to draft, cancelled or re-dated)."""
        month = month.replace(day=1)
        stored = self._get_stored_param(HORIZON_PARAM)
        if stored and fields.Date.to_date(stored) > month:
            self.env["ir.config_parameter"].sudo().set_param(
                HORIZON_PARAM, fields.Date.to_string(month)
            )

    @api.model
    def _get_snapshot_query(self, horizon):
        """``(card_id, month, measures...)`` of the snapshot before
        ``horizon``, the shape of ``loyalty.b2b.analysis._get_activity_query``."""
        measures = self.env["loyalty.b2b.analysis"]._get_measure_columns()
        return SQL(
            "SELECT card_id, date AS month, %s FROM %s WHERE date < %s",
            SQL(", ").join(SQL.identifier(name) for name in measures),
            SQL.identifier(self._table),
            horizon,
        )

    # Refresh ------------------------------------------------------------------

    @api.model
    def _get_current_month(self):
        return fields.Date.context_today(self).replace(day=1)

    @api.model
    def _refresh_months(self, months, auto_commit=False):
        """Compute again the snapshot of ``months`` (first days of closed
        months): each month's activity is summed from the documents, its rows
        replaced. One month per transaction when ``auto_commit``. Returns the
        number of rows written."""
        current_month = self._get_current_month()
        months = sorted({month.replace(day=1) for month in months})
        if months and months[-1] >= current_month:
            raise ValueError("Only closed months have a snapshot.")
        analysis = self.env["loyalty.b2b.analysis"]
        measures = analysis._get_measure_columns()
        cron = self.env["ir.cron"]
        written = 0
        for done, month in enumerate(months):
            # The activity query reads the tables: pending writes first.
            self.env.flush_all()
            self.env.cr.execute(
                SQL(
                    """SELECT activity.card_id, activity.month,
                              company.currency_id, %s
                         FROM (%s) activity
                         JOIN loyalty_b2b_card card ON card.id = activity.card_id
                         JOIN res_company company ON company.id = card.company_id""",
                    SQL(", ").join(
                        SQL("activity.%s", SQL.identifier(name)) for name in measures
                    ),
                    analysis._get_activity_query(
                        date_from=month,
                        date_to=month + relativedelta(months=1, days=-1),
                    ),
                )
            )
            rows = self.env.cr.dictfetchall()
            self.search([("date", "=", month)]).unlink()
            for batch in split_every(SNAPSHOT_CREATE_BATCH, rows):
                self.create([self._prepare_snapshot_vals(row) for row in batch])
            written += len(rows)
            cron._notify_progress(done=done + 1, remaining=len(months) - done - 1)
            if auto_commit:
                # One transaction per month: a month's rows are replaced at
                # once (the analysis never reads half a month), a failure keeps
                # the months already done, and the first run, which fills the
                # whole history, holds no long transaction.
                self.env.cr.commit()  # pylint: disable=invalid-commit
                self.env.invalidate_all()
        return written

    @api.model
    def _prepare_snapshot_vals(self, row):
        """Values of the snapshot row of an activity row. Hook."""
        measures = self.env["loyalty.b2b.analysis"]._get_measure_columns()
        vals = {
            "card_id": row["card_id"],
            "date": row["month"],
            "currency_id": row["currency_id"],
        }
        vals.update((name, row[name]) for name in measures)
        return vals

    @api.model
    def _cron_refresh_past_months(self, auto_commit=None):
        """Nightly: snapshot the closed months not yet in the snapshot (the
        first run fills all history) and the months changed since the last
        refresh, then move the horizon to the current month. Returns the
        months refreshed. ``auto_commit`` (default: not under test) commits
        after each month."""
        if auto_commit is None:
            auto_commit = not getattr(threading.current_thread(), "testing", False)
        started_at = fields.Datetime.now()
        current_month = self._get_current_month()
        horizon = self._get_horizon()
        refreshed_at = fields.Datetime.to_datetime(
            self._get_stored_param(REFRESHED_AT_PARAM)
        )
        months = self._get_months_to_refresh(current_month, horizon, refreshed_at)
        self._refresh_months(months, auto_commit=auto_commit)
        params = self.env["ir.config_parameter"].sudo()
        # A month reopened while the refresh ran (``_reopen_month``) stays
        # read live until the next run.
        stored = self._get_stored_param(HORIZON_PARAM)
        new_horizon = current_month
        if stored and horizon and fields.Date.to_date(stored) < horizon:
            new_horizon = fields.Date.to_date(stored)
        params.set_param(HORIZON_PARAM, fields.Date.to_string(new_horizon))
        params.set_param(REFRESHED_AT_PARAM, fields.Datetime.to_string(started_at))
        return months

    @api.model
    def _get_months_to_refresh(self, current_month, horizon, refreshed_at):
        """First days of the closed months to snapshot again: every one from
        the horizon on, and before it those changed since ``refreshed_at``.
        Without a horizon or a last refresh, all history."""
        months = set(self._month_range(horizon or current_month, current_month))
        if horizon and refreshed_at:
            months.update(
                self._get_touched_months(refreshed_at - REFRESH_OVERLAP, horizon)
            )
            return sorted(months)
        # Full refresh: from the first month with any activity, and the months
        # the snapshot holds (emptied if nothing is left in them).
        first_month = self._get_first_activity_month(current_month)
        if first_month:
            months.update(self._month_range(first_month, current_month))
        months.update(
            month
            for [month] in self._read_group(
                [("date", "<", current_month)], ["date:month"]
            )
        )
        return sorted(months)

    @api.model
    def _month_range(self, first_month, end_month):
        """First days of the months from ``first_month`` to before
        ``end_month``."""
        month = first_month.replace(day=1)
        while month < end_month:
            yield month
            month += relativedelta(months=1)

    @api.model
    def _get_first_activity_month(self, before):
        """First month with any activity before ``before``, None if none."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT MIN(month) FROM (%s) activity",
                self.env["loyalty.b2b.analysis"]._get_activity_query(
                    date_to=before - timedelta(days=1)
                ),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _get_touched_months(self, since, horizon):
        """First days of the months before ``horizon`` whose activity may have
        changed since ``since``."""
        self.env.flush_all()
        queries = self._get_touched_month_queries(since, horizon)
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT date_trunc('month', day)::date FROM (%s) touched",
                SQL(" UNION ALL ").join(queries),
            )
        )
        return {month for [month] in self.env.cr.fetchall()}

    @api.model
    def _get_touched_month_queries(self, since, horizon):
        """Queries of one column, ``day``: days before ``horizon`` whose
        activity may have changed since ``since``. Hook: one per source of
        ``loyalty.b2b.analysis._get_activity_sources``."""
        return [
            # Customer documents, membership fees included, written since:
            # posted, reset to draft, cancelled. Their lines change with them.
            SQL(
                """SELECT invoice_date AS day
                     FROM account_move
                    WHERE move_type IN ('out_invoice', 'out_refund')
                      AND write_date > %(since)s
                      AND invoice_date < %(horizon)s""",
                since=since,
                horizon=horizon,
            ),
            # Ledger entries written since, or cancelled out since.
            SQL(
                """SELECT date AS day
                     FROM loyalty_b2b_transaction
                    WHERE write_date > %(since)s
                      AND date < %(horizon)s""",
                since=since,
                horizon=horizon,
            ),
            SQL(
                """SELECT fulfilled_date AS day
                     FROM loyalty_b2b_reward_request
                    WHERE write_date > %(since)s
                      AND fulfilled_date < %(horizon)s""",
                since=since,
                horizon=horizon,
            ),
            # A card issued or re-dated: its month of new members.
            SQL(
                """SELECT issue_date AS day
                     FROM loyalty_b2b_card
                    WHERE write_date > %(since)s
                      AND issue_date < %(horizon)s""",
                since=since,
                horizon=horizon,
            ),
            # A new card counts its company's past spend.
            SQL(
                """SELECT move.invoice_date AS day
                     FROM loyalty_b2b_card card
                     JOIN account_move move
                          ON move.commercial_partner_id = card.partner_id
                    WHERE card.create_date > %(since)s
                      AND move.state = 'posted'
                      AND move.move_type IN ('out_invoice', 'out_refund')
                      AND move.invoice_date < %(horizon)s""",
                since=since,
                horizon=horizon,
            ),
            # A discount changed on the order after invoicing: the invoice
            # line no longer counts as the card's discount.
            SQL(
                """SELECT move.invoice_date AS day
                     FROM sale_order_line sale_line
                     JOIN sale_order_line_invoice_rel rel
                          ON rel.order_line_id = sale_line.id
                     JOIN account_move_line line ON line.id = rel.invoice_line_id
                     JOIN account_move move ON move.id = line.move_id
                    WHERE sale_line.write_date > %(since)s
                      AND line.b2b_discount > 0
                      AND move.invoice_date < %(horizon)s""",
                since=since,
                horizon=horizon,
            ),
        ]
