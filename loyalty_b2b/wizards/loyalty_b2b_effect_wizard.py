from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Wizard fields filled from program._get_effect_figures(): {field: (section, key)}.
FIGURE_FIELDS = {
    "member_count": ("members", "member_count"),
    "member_average": ("members", "member_average"),
    "non_member_count": ("members", "non_member_count"),
    "non_member_average": ("members", "non_member_average"),
    "joined_count": ("before_after", "count"),
    "joined_before_total": ("before_after", "before_total"),
    "joined_after_total": ("before_after", "after_total"),
    "joined_before_average": ("before_after", "before_average"),
    "joined_after_average": ("before_after", "after_average"),
    "joined_uplift": ("before_after", "uplift"),
    "pilot_start": ("did", "pilot_start"),
    "pilot_count": ("did", "pilot_count"),
    "control_count": ("did", "control_count"),
    "small_groups": ("did", "small_groups"),
    "pilot_before": ("did", "pilot_before"),
    "pilot_after": ("did", "pilot_after"),
    "control_before": ("did", "control_before"),
    "control_after": ("did", "control_after"),
    "did_before_start": ("did", "before_start"),
    "did_before_end": ("did", "before_end"),
    "did_after_end": ("did", "after_end"),
    "retention_earlier_start": ("retention", "earlier_start"),
    "retention_later_end": ("retention", "later_end"),
    "member_bought_count": ("retention", "member_bought_count"),
    "member_kept_count": ("retention", "member_kept_count"),
    "non_member_bought_count": ("retention", "non_member_bought_count"),
    "non_member_kept_count": ("retention", "non_member_kept_count"),
    "cost_discounts": ("cost", "discounts"),
    "cost_cashback": ("cost", "cashback"),
    "cost_rewards": ("cost", "rewards"),
    "cost_fees": ("cost", "fees"),
    "cost_total": ("cost", "cost"),
}


class LoyaltyB2bEffectWizard(models.TransientModel):
    """Does the program pay? The program's effect figures for a period (see
    loyalty_b2b_program_effect.py and the readme)."""

    _name = "loyalty.b2b.effect.wizard"
    _description = "B2B Loyalty Program Effect"

    program_id = fields.Many2one("loyalty.b2b.program", required=True, readonly=True)
    currency_id = fields.Many2one(related="program_id.currency_id")
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self) - relativedelta(years=1),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    months = fields.Integer(
        required=True,
        default=6,
        help="Length of the periods compared before and after a member joined, "
        "and of the pilot's 'after' period.",
    )

    # Members and eligible non-members
    member_count = fields.Integer(
        string="Members",
        compute="_compute_figures",
        help="Companies with a card "
        "of the program (not pending) joined by the end of the period.",
    )
    member_average = fields.Monetary(
        string="Average Spend per Member",
        compute="_compute_figures",
        help="Qualifying spend of the members in the period, divided by their "
        "number (members without spend count as 0).",
    )
    non_member_count = fields.Integer(
        string="Eligible Non-Members",
        compute="_compute_figures",
        help="Customer companies with a posted invoice in the period or in the "
        "as long period before it, without a card of the program and outside "
        "its control group.",
    )
    non_member_average = fields.Monetary(
        string="Average Spend per Non-Member",
        compute="_compute_figures",
        help="Qualifying spend of the eligible non-members in the period, "
        "divided by their number.",
    )
    # Before/after joining
    joined_count = fields.Integer(
        string="Members Compared",
        compute="_compute_figures",
        help="Members who joined at least 'Months' months before the end of the "
        "period and 'Months' months after the first invoice on record.",
    )
    joined_before_total = fields.Monetary(
        string="Total Spend Before Joining", compute="_compute_figures"
    )
    joined_after_total = fields.Monetary(
        string="Total Spend After Joining", compute="_compute_figures"
    )
    joined_before_average = fields.Monetary(
        string="Average Spend Before Joining",
        compute="_compute_figures",
        help="Spend in the 'Months' months before each member's join date, "
        "averaged over the members compared.",
    )
    joined_after_average = fields.Monetary(
        string="Average Spend After Joining",
        compute="_compute_figures",
        help="Spend in the 'Months' months from each member's join date, "
        "averaged over the members compared.",
    )
    joined_uplift = fields.Monetary(
        string="Uplift per Member",
        compute="_compute_figures",
        help="Average after joining minus average before joining. It also "
        "holds whatever else changed in the meantime (season, prices, market).",
    )
    joined_member_table = fields.Html(
        string="Spend per Member",
        compute="_compute_figures",
        sanitize=False,
        help="Each member compared: its spend in the 'Months' months before and "
        "after it joined.",
    )
    # Difference in differences
    has_pilot = fields.Boolean(compute="_compute_figures")
    has_did = fields.Boolean(compute="_compute_figures")
    pilot_start = fields.Date(
        compute="_compute_figures",
        help="The control group's draw date, else the creation of the first "
        "pilot card.",
    )
    pilot_count = fields.Integer(string="Pilot Companies", compute="_compute_figures")
    control_count = fields.Integer(
        string="Control Companies", compute="_compute_figures"
    )
    small_groups = fields.Boolean(
        compute="_compute_figures",
        help="The pilot or the control group has fewer than 30 companies.",
    )
    pilot_before = fields.Monetary(
        string="Pilot, Before",
        compute="_compute_figures",
        help="Average spend per pilot company in the 'before' period.",
    )
    pilot_after = fields.Monetary(
        string="Pilot, After",
        compute="_compute_figures",
        help="Average spend per pilot company in the 'after' period.",
    )
    control_before = fields.Monetary(
        string="Control, Before",
        compute="_compute_figures",
        help="Average spend per control company in the 'before' period.",
    )
    control_after = fields.Monetary(
        string="Control, After",
        compute="_compute_figures",
        help="Average spend per control company in the 'after' period.",
    )
    did_before_start = fields.Date(string="Before: From", compute="_compute_figures")
    did_before_end = fields.Date(string="Before: To", compute="_compute_figures")
    did_after_end = fields.Date(string="After: To", compute="_compute_figures")
    did = fields.Monetary(
        string="Difference in Differences",
        compute="_compute_figures",
        help="(Pilot after − pilot before) − (control after − control before): "
        "the change per pilot company beyond the change the control group "
        "had without the program.",
    )
    # Retention
    retention_earlier_start = fields.Date(
        string="Quarters From", compute="_compute_figures"
    )
    retention_later_end = fields.Date(string="Quarters To", compute="_compute_figures")
    member_bought_count = fields.Integer(
        string="Members Buying in the First Quarter", compute="_compute_figures"
    )
    member_kept_count = fields.Integer(
        string="Members Buying in Both", compute="_compute_figures"
    )
    member_retention = fields.Float(
        string="Member Retention (%)",
        compute="_compute_figures",
        help="Of the members who bought in the earlier of the last two full "
        "quarters, the share who bought again in the later one.",
    )
    non_member_bought_count = fields.Integer(
        string="Non-Members Buying in the First Quarter", compute="_compute_figures"
    )
    non_member_kept_count = fields.Integer(
        string="Non-Members Buying in Both", compute="_compute_figures"
    )
    non_member_retention = fields.Float(
        string="Non-Member Retention (%)",
        compute="_compute_figures",
        help="The same share for the eligible non-members.",
    )
    # Cost
    cost_discounts = fields.Monetary(
        string="Card Discounts",
        compute="_compute_figures",
        help="The cards' share of the discounts on the posted invoices of the "
        "period, minus credit notes.",
    )
    cost_cashback = fields.Monetary(
        string="Cashback Earned",
        compute="_compute_figures",
        help="Cashback earned in the period, net of the entries that cancelled "
        "it (invoice reset or unpaid, credit notes).",
    )
    cost_rewards = fields.Monetary(
        string="Stamp Rewards Given",
        compute="_compute_figures",
        help="Value of the free products of stamp rewards on the invoices of the "
        "period. Rewards of a cashback program are paid with cashback, already "
        "counted as earned.",
    )
    cost_fees = fields.Monetary(
        string="Membership Fees",
        compute="_compute_figures",
        help="Untaxed membership fees invoiced in the period, minus credit "
        "notes: they pay part of the cost.",
    )
    cost_total = fields.Monetary(
        string="Program Cost",
        compute="_compute_figures",
        help="Discounts + cashback + rewards − membership fees.",
    )
    incremental_revenue = fields.Monetary(
        compute="_compute_figures",
        help="Difference in differences × pilot companies when the program has "
        "a control group, else uplift per member × members.",
    )
    incremental_basis = fields.Selection(
        [
            ("did", "Difference in differences"),
            ("before_after", "Before/after joining"),
        ],
        string="Measured By",
        compute="_compute_figures",
    )
    cost_ratio = fields.Float(
        string="Cost per Unit of Incremental Revenue",
        digits=(16, 4),
        compute="_compute_figures",
        help="Program cost divided by incremental revenue: below 1, each unit "
        "of revenue the program brought cost less than that. Empty when the "
        "program brought no incremental revenue.",
    )
    has_cost_ratio = fields.Boolean(compute="_compute_figures")
    at_risk_count = fields.Integer(
        string="At-Risk Members",
        compute="_compute_figures",
        help="Active members whose spend of the last 90 days (up to today) fell "
        "by more than the program's at-risk drop against the same 90 days a "
        "year before.",
    )

    @api.constrains("date_from", "date_to", "months")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The period ends before it starts."))
            if wizard.months < 1:
                raise ValidationError(self.env._("Compare at least one month."))

    @api.depends("program_id", "date_from", "date_to", "months")
    def _compute_figures(self):
        for wizard in self:
            figures = {}
            program = wizard.program_id
            valid = (
                program
                and wizard.date_from
                and wizard.date_to
                and wizard.date_from <= wizard.date_to
                and wizard.months > 0
            )
            if valid:
                figures = program._get_effect_figures(
                    wizard.date_from, wizard.date_to, wizard.months
                )
            for field_name, (section, key) in FIGURE_FIELDS.items():
                value = figures.get(section, {}).get(key)
                wizard[field_name] = value if value is not None else False
            retention = figures.get("retention", {})
            wizard.member_retention = retention.get("member_rate") or 0.0
            wizard.non_member_retention = retention.get("non_member_rate") or 0.0
            did = figures.get("did", {})
            wizard.has_pilot = bool(did.get("pilot_start"))
            wizard.has_did = did.get("did") is not None
            wizard.did = did.get("did") or 0.0
            wizard.incremental_revenue = figures.get("incremental_revenue", 0.0)
            wizard.incremental_basis = figures.get("incremental_basis", False)
            ratio = figures.get("cost_per_incremental_revenue")
            wizard.has_cost_ratio = ratio is not None
            wizard.cost_ratio = ratio or 0.0
            wizard.at_risk_count = len(program._get_at_risk_cards()) if program else 0
            wizard.joined_member_table = wizard._render_member_table(
                figures.get("before_after", {}).get("members", [])
            )

    def _render_member_table(self, members):
        """The members compared before and after joining, the largest change
        first (rendered by QWeb: names escaped, amounts in the currency)."""
        if not members:
            return False
        partners = self.env["res.partner"].browse([m["partner_id"] for m in members])
        rows = sorted(
            (
                {
                    **member,
                    "partner": partners.browse(member["partner_id"]),
                    "change": self.currency_id.round(
                        member["after"] - member["before"]
                    ),
                }
                for member in members
            ),
            key=lambda row: (-row["change"], row["partner"].display_name or ""),
        )
        return self.env["ir.qweb"]._render(
            "loyalty_b2b.effect_wizard_member_table",
            {"rows": rows, "currency": self.currency_id},
        )

    def action_open_at_risk_cards(self):
        self.ensure_one()
        return self.program_id.action_open_at_risk_cards()

    def action_schedule_at_risk_activities(self):
        self.ensure_one()
        self.program_id.action_schedule_at_risk_activities()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("To-dos scheduled for the at-risk members."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
