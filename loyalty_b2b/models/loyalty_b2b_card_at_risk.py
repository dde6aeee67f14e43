from odoo import api, fields, models


class LoyaltyB2bCard(models.Model):
    """Members at risk: companies whose spend of the last 90 days fell by more
    than their program's at-risk drop against the same days a year before (see
    loyalty_b2b_program_effect.py), and the join date the effect figures use."""

    _inherit = "loyalty.b2b.card"

    at_risk_recent_spend = fields.Monetary(
        string="Spend, Last 90 Days",
        compute="_compute_at_risk_spend",
        help="Qualifying spend of the company in the last 90 days.",
    )
    at_risk_prior_spend = fields.Monetary(
        string="Spend, Same 90 Days Last Year",
        compute="_compute_at_risk_spend",
        help="Qualifying spend of the company in the same 90 days a year before.",
    )
    at_risk_drop_percent = fields.Float(
        string="Drop (%)",
        digits=(16, 2),
        compute="_compute_at_risk_spend",
        help="How much the spend of the last 90 days fell against the same 90 "
        "days a year before (0 without spend a year before).",
    )
    at_risk_activity_id = fields.Many2one(
        "mail.activity",
        string="At-Risk To-Do",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The to-do last scheduled for this at-risk member: no other one "
        "while it is open.",
    )

    def _compute_at_risk_spend(self):
        # One spend query per program, whatever the number of cards.
        today = fields.Date.context_today(self)
        spend = {}
        for program in self.program_id:
            cards = self.filtered(
                lambda card, program=program: card.program_id == program
            )
            spend.update(program.sudo()._get_at_risk_spend(cards, today))
        for card in self:
            recent, before = spend.get(card.id, (0.0, 0.0))
            card.at_risk_recent_spend = recent
            card.at_risk_prior_spend = before
            card.at_risk_drop_percent = (
                self.env["loyalty.b2b.program"]._get_at_risk_drop(recent, before) or 0.0
            )

    def _get_effect_join_dates(self):
        """``{card id: date}`` the company joined with each card: the first day
        of its first paid membership for a membership card, else the card's
        issue date. One query for all the cards."""
        paid_from = dict(
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("b2b_membership_card_id", "in", self.ids),
                    ("b2b_membership_date_start", "!=", False),
                ],
                ["b2b_membership_card_id"],
                ["b2b_membership_date_start:min"],
            )
        )
        return {card.id: paid_from.get(card) or card.issue_date for card in self}

    def _get_at_risk_user(self):
        """Hook: who follows up an at-risk member: the company's salesperson
        when they work in the card's company, else the program's responsible
        (its sign-up responsible), else nobody."""
        self.ensure_one()
        company = self.company_id
        for user in (self.partner_id.user_id, self.program_id.signup_user_id):
            if user and user.active and not user.share and company in user.company_ids:
                return user
        return self.env["res.users"]

    def _prepare_at_risk_activity_vals(self, user):
        """Hook: values of the to-do on this at-risk card for ``user``."""
        self.ensure_one()
        activity_type = self.env.ref(
            "mail.mail_activity_data_todo", raise_if_not_found=False
        )
        return {
            "res_model_id": self.env["ir.model"]._get_id(self._name),
            "res_id": self.id,
            "activity_type_id": activity_type.id if activity_type else False,
            "user_id": user.id,
            "date_deadline": fields.Date.context_today(self),
            "automated": True,
            "summary": self.env._(
                "Member at risk: %(customer)s", customer=self.partner_id.name
            ),
            "note": self.env._(
                "The spend of %(customer)s on card %(card)s fell by %(drop)s %% "
                "in the last 90 days against the same days a year before. "
                "Consider contacting them.",
                customer=self.partner_id.name,
                card=self.name,
                drop=round(self.at_risk_drop_percent),
            ),
        }

    @api.model
    def _is_at_risk_activity_open(self, activity):
        return bool(activity.exists() and activity.active)

    def _schedule_at_risk_activity(self):
        """One to-do on each of these cards for its salesperson, unless the
        last one is still open. Return the new activities."""
        cards = self.sudo()
        vals_list, scheduled = [], []
        for card in cards:
            if self._is_at_risk_activity_open(card.at_risk_activity_id):
                continue
            user = card._get_at_risk_user()
            if not user:
                continue
            vals_list.append(card._prepare_at_risk_activity_vals(user))
            scheduled.append(card)
        activities = self.env["mail.activity"].sudo().create(vals_list)
        for card, activity in zip(scheduled, activities, strict=True):
            card.at_risk_activity_id = activity
        return activities.sudo(False)
