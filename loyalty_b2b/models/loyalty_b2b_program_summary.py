from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import float_compare

PROGRAM_STATES = [
    ("running", "Running"),
    ("scheduled", "Scheduled"),
    ("ended", "Ended"),
    ("archived", "Archived"),
]


class LoyaltyB2bProgram(models.Model):
    """A program at a glance: what it gives and whether it runs today."""

    _inherit = "loyalty.b2b.program"

    benefit_summary = fields.Char(
        string="Benefit",
        compute="_compute_benefit_summary",
        help="What a card of the program gives: its discount, the range of its "
        "tiers, or the stamps its reward takes.",
    )
    state = fields.Selection(
        PROGRAM_STATES,
        string="Status",
        compute="_compute_state",
        search="_search_state",
        help="Running: active and valid today. Scheduled: starts later. Ended: "
        "its last day has passed. Archived: no longer in use.",
    )

    @api.depends(
        "program_type",
        "discount_percent",
        "tier_ids.discount_percent",
        "tier_ids.cashback_percent",
        "stamps_required",
        "stamp_reward_product_id.display_name",
    )
    @api.depends_context("lang")
    def _compute_benefit_summary(self):
        for program in self:
            program.benefit_summary = program._get_benefit_summary()

    @api.depends("active", "date_from", "date_to")
    @api.depends_context("tz")
    def _compute_state(self):
        today = fields.Date.context_today(self)
        for program in self:
            program.state = program._get_state(today)

    def _search_state(self, operator, value):
        """Domain of the programs in the given states, on today's date. Archived
        programs are only found when the search includes archived records
        (``active_test=False`` or a condition on ``active``), as for any
        archived record."""
        states = [state for state, _label in PROGRAM_STATES]
        values = [value] if isinstance(value, str) else value
        if (
            operator not in ("=", "!=", "in", "not in")
            or not isinstance(values, list | tuple)
            or not set(values) <= set(states)
        ):
            raise UserError(
                self.env._(
                    "Programs are searched by status with one of the statuses "
                    "%(states)s.",
                    states=", ".join(states),
                )
            )
        if operator in ("!=", "not in"):
            values = [state for state in states if state not in values]
        today = fields.Date.context_today(self)
        # No state at all: OR of nothing, no program.
        return expression.OR([self._get_state_domain(state, today) for state in values])

    @api.model
    def _get_state_domain(self, state, today):
        """Hook: domain of the programs in ``state`` on ``today`` (the rule of
        ``_get_state``)."""
        if state == "archived":
            return [("active", "=", False)]
        if state == "scheduled":
            return [("active", "=", True), ("date_from", ">", today)]
        if state == "ended":
            return [("active", "=", True), ("date_to", "<", today)]
        return [
            ("active", "=", True),
            "|",
            ("date_from", "=", False),
            ("date_from", "<=", today),
            "|",
            ("date_to", "=", False),
            ("date_to", ">=", today),
        ]

    def _get_state(self, today):
        """Hook: status of this program on ``today``; a program runs on its
        first and on its last day (as ``_is_valid_on``)."""
        self.ensure_one()
        if not self.active:
            return "archived"
        if self.date_from and self.date_from > today:
            return "scheduled"
        if self.date_to and self.date_to < today:
            return "ended"
        return "running"

    def _get_benefit_summary(self):
        """Hook: one short line saying what a card of this program gives."""
        self.ensure_one()
        if self.program_type == "discount":
            return self._format_percent(self.discount_percent)
        if self.program_type == "stamp":
            if not self.stamp_reward_product_id:
                return self.env._("%(count)s stamps", count=self.stamps_required)
            return self.env._(
                "%(count)s stamps → %(reward)s",
                count=self.stamps_required,
                reward=self.stamp_reward_product_id.display_name,
            )
        if self.program_type in ("accumulative", "cashback"):
            fname = (
                "cashback_percent"
                if self.program_type == "cashback"
                else "discount_percent"
            )
            percents = self.tier_ids.mapped(fname)
            if not percents:
                return self.env._("No tiers")
            summary = self._format_percent_range(min(percents), max(percents))
            if self.program_type == "cashback":
                return self.env._("%(percents)s cashback", percents=summary)
            return summary
        return ""

    @api.model
    def _format_percent(self, value):
        """``value`` as a percentage in the user's language, without trailing
        zeros ("10 %", "2.5 %")."""
        return self.env._("%(value)s %%", value=self._format_percent_number(value))

    @api.model
    def _format_percent_range(self, low, high):
        """ "3–7 %", or "5 %" when both ends are equal."""
        digits = self.env["decimal.precision"].precision_get("Discount")
        if not float_compare(low, high, precision_digits=digits):
            return self._format_percent(low)
        return self.env._(
            "%(low)s–%(high)s %%",
            low=self._format_percent_number(low),
            high=self._format_percent_number(high),
        )
