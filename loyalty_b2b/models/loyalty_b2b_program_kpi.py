from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

# Measures of loyalty.b2b.analysis summed per program over a period.
KPI_SUMMED_MEASURES = (
    "spend_amount",
    "discount_amount",
    "cashback_earned",
    "cashback_redeemed",
    "cashback_expired",
    "cashback_adjusted",
    "reward_count",
    "reward_value",
    "fee_amount",
    "new_count",
)
# Months the program form's headline figures cover, the current one included.
KPI_HEADLINE_MONTHS = 12


class LoyaltyB2bProgram(models.Model):
    """Does the program pay? Its headline figures over a period, read from the
    program analysis, and the program form's buttons that show them."""

    _inherit = "loyalty.b2b.program"

    kpi_member_count = fields.Integer(
        string="Members Issued",
        compute="_compute_kpi_headlines",
        help="Cards issued by the program.",
    )
    kpi_active_count = fields.Integer(
        string="Active Members",
        compute="_compute_kpi_headlines",
        help="Members that bought in the last 12 months.",
    )
    kpi_spend_amount = fields.Monetary(
        string="Members' Spend",
        compute="_compute_kpi_headlines",
        help="Untaxed spend of the members in the last 12 months.",
    )
    kpi_liability_amount = fields.Monetary(
        string="Cashback Liability",
        compute="_compute_kpi_headlines",
        help="Cashback the members hold today.",
    )
    kpi_redemption_rate = fields.Float(
        string="Redemption Rate",
        digits=(16, 1),
        compute="_compute_kpi_headlines",
        help="Cashback redeemed in the last 12 months, in % of the cashback "
        "earned in the same months.",
    )

    def _compute_kpi_headlines(self):
        date_from, date_to = self._get_kpi_headline_period()
        figures = self.filtered("id")._get_kpi_figures(date_from, date_to)
        empty = self._get_kpi_empty_figures()
        for program in self:
            values = figures.get(program.id, empty)
            program.kpi_member_count = values["card_count"]
            program.kpi_active_count = values["active_count"]
            program.kpi_spend_amount = values["spend_amount"]
            program.kpi_liability_amount = values["liability_amount"]
            program.kpi_redemption_rate = values["redemption_rate"]

    @api.model
    def _get_kpi_headline_period(self):
        """``(date_from, date_to)`` of the form's figures: the last 12 months,
        the current one included. Hook."""
        today = fields.Date.context_today(self)
        date_from = today.replace(day=1) - relativedelta(months=KPI_HEADLINE_MONTHS - 1)
        return date_from, today

    @api.model
    def _get_kpi_empty_figures(self):
        """The figures of a program without any activity."""
        return {
            "card_count": 0,
            "card_count_by_tier": {},
            "active_count": 0,
            "lost_count": 0,
            "liability_amount": 0.0,
            "redemption_rate": 0.0,
            "breakage_rate": 0.0,
            **dict.fromkeys(KPI_SUMMED_MEASURES, 0),
        }

    @api.model
    def _get_kpi_months(self, date_from, date_to):
        """``(first_month, months)``: the analysis counts whole months, from the
        month of ``date_from`` to that of ``date_to``."""
        first_month = date_from.replace(day=1)
        months = (date_to.year - first_month.year) * 12
        months += date_to.month - first_month.month + 1
        return first_month, max(months, 1)

    def _get_kpi_figures(self, date_from, date_to):
        """``{program_id: {figure: value}}`` of the programs ``self`` over the
        months of ``date_from`` to ``date_to`` (whole months, see
        ``_get_kpi_months``), in company currency:

        - ``card_count``: cards issued up to ``date_to``;
          ``card_count_by_tier``: ``{tier_id or False: count}`` of them by
          current tier;
        - ``active_count``: members that bought in the period (spend over 0 in
          a month); ``new_count``: cards issued in it; ``lost_count``: members
          active in the period of as many months just before, not in this one;
        - the sums of ``KPI_SUMMED_MEASURES`` over the period;
        - ``liability_amount``: cashback the cards hold at ``date_to`` (the
          card ledger's side of the liability report);
        - ``redemption_rate`` and ``breakage_rate``: cashback redeemed and
          expired in the period, in % of the cashback earned in it (0 when
          nothing was earned).

        A set of queries for all the programs, whatever their number. Hook:
        extend the dict of each program."""
        date_from = fields.Date.to_date(date_from)
        date_to = fields.Date.to_date(date_to)
        first_month, months = self._get_kpi_months(date_from, date_to)
        previous_month = first_month - relativedelta(months=months)
        figures = {program.id: self._get_kpi_empty_figures() for program in self}
        if not self:
            return figures
        Analysis = self.env["loyalty.b2b.analysis"]
        program_domain = [("program_id", "in", self.ids)]
        period_domain = [("date", ">=", first_month), ("date", "<=", date_to)]
        for program, *sums in Analysis._read_group(
            program_domain + period_domain,
            ["program_id"],
            [f"{name}:sum" for name in KPI_SUMMED_MEASURES],
        ):
            figures[program.id].update(zip(KPI_SUMMED_MEASURES, sums, strict=True))
        # Members active in this period or the one before: their last active
        # month tells which.
        for program, _card, last_month in Analysis._read_group(
            program_domain
            + [
                ("active_count", ">", 0),
                ("date", ">=", previous_month),
                ("date", "<=", date_to),
            ],
            ["program_id", "card_id"],
            ["date:max"],
        ):
            key = "active_count" if last_month >= first_month else "lost_count"
            figures[program.id][key] += 1
        self._add_kpi_cards(figures, date_to)
        self._add_kpi_liability(figures, date_to)
        for program in self:
            values = figures[program.id]
            for key in KPI_SUMMED_MEASURES:
                if isinstance(values[key], float):
                    values[key] = program.currency_id.round(values[key])
            earned = values["cashback_earned"]
            for rate, measure in (
                ("redemption_rate", "cashback_redeemed"),
                ("breakage_rate", "cashback_expired"),
            ):
                values[rate] = (
                    round(100.0 * values[measure] / earned, 2)
                    if program.currency_id.compare_amounts(earned, 0.0) > 0
                    else 0.0
                )
        return figures

    def _add_kpi_cards(self, figures, date_to):
        """Cards issued up to ``date_to``, in total and by current tier."""
        by_tier = defaultdict(dict)
        for program, tier, count in self.env["loyalty.b2b.card"]._read_group(
            [("program_id", "in", self.ids), ("issue_date", "<=", date_to)],
            ["program_id", "tier_id"],
            ["__count"],
        ):
            by_tier[program.id][tier.id] = count
        for program_id, counts in by_tier.items():
            figures[program_id]["card_count_by_tier"] = counts
            figures[program_id]["card_count"] = sum(counts.values())

    def _add_kpi_liability(self, figures, date_to):
        """Cashback the cards of cashback programs hold at ``date_to``: the sum
        of their ledger, as the liability report's card ledger side."""
        cashback = self.filtered(lambda program: program.program_type == "cashback")
        if not cashback:
            return
        for program, amount in self.env["loyalty.b2b.transaction"]._read_group(
            [("program_id", "in", cashback.ids), ("date", "<=", date_to)],
            ["program_id"],
            ["amount:sum"],
        ):
            figures[program.id]["liability_amount"] = program.currency_id.round(amount)

    # Actions of the form's buttons --------------------------------------------

    def _get_kpi_analysis_action(self, extra_context=None):
        """The program analysis of this program over the last 12 months."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_analysis_action"
        )
        action["display_name"] = self.env._(
            "Analysis: %(program)s", program=self.display_name
        )
        action["domain"] = [("program_id", "=", self.id)]
        action["context"] = {
            "search_default_filter_last_12_months": 1,
            **(extra_context or {}),
        }
        return action

    def action_view_kpi_analysis(self):
        return self._get_kpi_analysis_action()

    def action_view_kpi_active(self):
        return self._get_kpi_analysis_action({"search_default_filter_active": 1})

    def action_view_kpi_liability(self):
        """The cards of the program that hold cashback."""
        action = self.action_view_cards()
        action["domain"] = [
            ("program_id", "=", self.id),
            ("cashback_balance", "!=", 0),
        ]
        return action
