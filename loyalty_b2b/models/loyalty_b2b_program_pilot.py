import random

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import format_date

from .control_group_rules import assign_deciles, draw_control_group

# Fields of the pilot that stay as they were once the program is rolled out:
# the comparison with the control group depends on them.
PILOT_FROZEN_FIELDS = {
    "pilot_state",
    "pilot_partner_ids",
    "pilot_category_ids",
    "control_seed",
    "control_draw_date",
    "control_member_ids",
    "rollout_date",
}


def _default_control_seed():
    # Drawn once per program; editable until the roll-out.
    return random.SystemRandom().randint(1, 2**31 - 1)


class LoyaltyB2bProgram(models.Model):
    """Pilots: a program first runs for a few pilot companies of its segment,
    while a control group of eligible companies matched to them by past spend
    does not get it; "Roll Out" then opens it to the whole segment, and the
    control group is kept for the comparison. The draw is described in
    control_group_rules.py."""

    _inherit = "loyalty.b2b.program"

    pilot_state = fields.Selection(
        [
            ("none", "No Pilot"),
            ("pilot", "In Pilot"),
            ("rolled_out", "Rolled Out"),
        ],
        string="Pilot",
        required=True,
        default="none",
        copy=False,
        tracking=True,
        help="In Pilot: the program runs only for its pilot companies, and the "
        "companies of its control group do not get it. Rolled Out: the pilot "
        "ended, the program is open to all its eligible companies.",
    )
    pilot_partner_ids = fields.Many2many(
        "res.partner",
        "loyalty_b2b_program_pilot_partner_rel",
        "program_id",
        "partner_id",
        string="Pilot Companies",
        domain="[('is_company', '=', True)]",
        check_company=True,
        tracking=True,
        help="Companies the program runs for during its pilot. They must be "
        "eligible (partner tags and eligible companies filter).",
    )
    pilot_category_ids = fields.Many2many(
        "res.partner.category",
        "loyalty_b2b_program_pilot_category_rel",
        "program_id",
        "category_id",
        string="Pilot Partner Tags",
        tracking=True,
        help="Eligible companies with one of these tags are pilot companies too.",
    )
    control_seed = fields.Integer(
        string="Draw Seed",
        default=lambda self: _default_control_seed(),
        copy=False,
        tracking=True,
        help="Seed of the control group's random draw: drawing again with the "
        "same seed (and the same companies and spend) gives the same group, "
        "another seed another group.",
    )
    control_draw_date = fields.Date(
        string="Control Group Drawn On", readonly=True, copy=False, tracking=True
    )
    rollout_date = fields.Date(
        string="Rolled Out On", readonly=True, copy=False, tracking=True
    )
    control_member_ids = fields.One2many(
        "loyalty.b2b.control.member",
        "program_id",
        string="Control Group",
        readonly=True,
        copy=False,
    )
    control_member_count = fields.Integer(compute="_compute_control_member_count")

    @api.depends("control_member_ids")
    def _compute_control_member_count(self):
        for program in self:
            program.control_member_count = len(program.control_member_ids)

    @api.constrains("pilot_state", "pilot_partner_ids", "pilot_category_ids")
    def _check_pilot_companies(self):
        for program in self.filtered(lambda p: p.pilot_state == "pilot"):
            if not program.pilot_partner_ids and not program.pilot_category_ids:
                raise ValidationError(
                    self.env._(
                        "Program %(program)s is in pilot: choose its pilot "
                        "companies or pilot partner tags.",
                        program=program.name,
                    )
                )

    @api.constrains(
        "pilot_state", "pilot_partner_ids", "partner_category_ids", "partner_domain"
    )
    def _check_pilot_partners_eligible(self):
        # A clear error for a bad filter first, whichever check runs first.
        self._check_partner_domain()
        for program in self.filtered(lambda p: p.pilot_state != "rolled_out"):
            pilot = program.pilot_partner_ids.commercial_partner_id
            outside = pilot - program._filter_segment_partners(pilot)
            if outside:
                raise ValidationError(
                    self.env._(
                        "The pilot companies of program %(program)s must be "
                        "eligible for it (partner tags and eligible companies "
                        "filter): %(partners)s are not.",
                        program=program.name,
                        partners=", ".join(outside.mapped("display_name")),
                    )
                )

    @api.constrains("pilot_partner_ids", "pilot_category_ids", "control_member_ids")
    def _check_control_group_disjoint(self):
        for program in self.filtered(lambda p: p.pilot_state == "pilot"):
            both = program._filter_pilot_partners(program.control_member_ids.partner_id)
            if both:
                raise ValidationError(
                    self.env._(
                        "%(partners)s of the control group of program "
                        "%(program)s cannot be pilot companies: draw the "
                        "control group again.",
                        partners=", ".join(both.mapped("display_name")),
                        program=program.name,
                    )
                )

    def write(self, vals):
        if PILOT_FROZEN_FIELDS & vals.keys():
            rolled_out = self.filtered(lambda p: p.pilot_state == "rolled_out")
            if rolled_out:
                raise UserError(
                    self.env._(
                        "Program %(program)s was rolled out: its pilot and "
                        "control group are kept for the comparison and can no "
                        "longer change.",
                        program=rolled_out[0].display_name,
                    )
                )
        return super().write(vals)

    def _check_control_group_editable(self):
        """Refuse to change the control group of a rolled-out program."""
        rolled_out = self.filtered(lambda p: p.pilot_state == "rolled_out")
        if rolled_out:
            raise UserError(
                self.env._(
                    "Program %(program)s was rolled out: its control group is "
                    "kept for the comparison and can no longer change.",
                    program=rolled_out[0].display_name,
                )
            )

    def _filter_eligible_partners(self, partners):
        """During a pilot, only the pilot companies of the segment are eligible,
        never those of the control group."""
        eligible = super()._filter_eligible_partners(partners)
        if self.pilot_state != "pilot" or not eligible:
            return eligible
        # sudo: the pilot is the program's rule, whoever asks.
        program = self.sudo()
        pilot = program._filter_pilot_partners(eligible.sudo())
        allowed = set((pilot - program.control_member_ids.partner_id).ids)
        return eligible.filtered(lambda partner: partner.id in allowed)

    def _filter_pilot_partners(self, partners):
        """Commercial partners of ``partners`` designated as pilot companies (in
        the list, or with a pilot tag), whether eligible or not."""
        self.ensure_one()
        pilot_tags = self.pilot_category_ids
        pilot_ids = set(self.pilot_partner_ids.ids)
        return partners.commercial_partner_id.filtered(
            lambda partner: partner.id in pilot_ids or partner.category_id & pilot_tags
        )

    def _get_control_candidate_domain(self):
        """Hook: the companies a pilot's companies and control group come from,
        before the segment: companies of the program's company."""
        self.ensure_one()
        return expression.AND(
            [
                [("is_company", "=", True)],
                self.env["res.partner"]._check_company_domain(self.company_id),
            ]
        )

    def _get_pilot_companies(self):
        """The pilot companies: designated (in the list or by a pilot tag) and
        in the program's segment."""
        self.ensure_one()
        partners = self.pilot_partner_ids
        if self.pilot_category_ids:
            partners |= self.env["res.partner"].search(
                expression.AND(
                    [
                        self._get_control_candidate_domain(),
                        [("category_id", "in", self.pilot_category_ids.ids)],
                    ]
                )
            )
        return self._filter_segment_partners(partners)

    def _get_control_candidates(self):
        """Companies of the segment that may be drawn into the control group:
        neither pilot companies nor holders of a card of the program (in any
        state)."""
        self.ensure_one()
        segment = self.env["res.partner"].search(
            expression.AND(
                [self._get_control_candidate_domain(), self._get_segment_domain()]
            )
        )
        # sudo: every card of the program counts, whoever draws.
        holders = (
            self.env["loyalty.b2b.card"]
            .sudo()
            .search([("program_id", "=", self.id)])
            .partner_id.sudo(False)
        )
        return segment - self._filter_pilot_partners(segment) - holders

    def _get_past_spend(self, partners, date):
        """``{partner id: spend}``: past spend of the companies ``partners`` in
        the program's spend window ending on ``date``, in company currency, as
        the tier engine counts it (untaxed posted customer invoices minus credit
        notes of the company and its contacts, only the program's product
        categories when it has some). One query for all of them."""
        self.ensure_one()
        if not partners:
            return {}
        card_model = self.env["loyalty.b2b.card"]
        card_model._flush_spend_sources()
        self.env.cr.execute(card_model._get_spend_query(self, partners.ids, date))
        return {
            partner_id: self.currency_id.round(float(amount or 0.0))
            for partner_id, amount in self.env.cr.fetchall()
        }

    def _get_control_strata(self, date):
        """``(pilot, candidates, spend, deciles)`` of the draw on ``date``:
        the pilot companies, the candidates, and the spend (``{id: amount}``)
        and decile (``{id: decile}``) of each of them."""
        self.ensure_one()
        pilot = self._get_pilot_companies()
        candidates = self._get_control_candidates()
        population = pilot | candidates
        spend = self._get_past_spend(population, date)
        spend = {partner.id: spend.get(partner.id, 0.0) for partner in population}
        return pilot, candidates, spend, assign_deciles(spend)

    def _prepare_control_member_vals(self, partner_id, decile, spend):
        """Hook: values of the control group member ``partner_id``."""
        self.ensure_one()
        return {
            "program_id": self.id,
            "partner_id": partner_id,
            "decile": decile,
            "spend_amount": spend,
        }

    def _draw_control_group(self, date=None):
        """Draw (again) the control group with the program's seed, matched to
        the pilot companies by their spend deciles on ``date`` (default today),
        and store it with the date (see control_group_rules.py)."""
        self.ensure_one()
        if self.pilot_state != "pilot":
            raise UserError(
                self.env._(
                    "The control group of program %(program)s is drawn during "
                    "its pilot: start the pilot first (a rolled-out program "
                    "keeps its control group).",
                    program=self.display_name,
                )
            )
        date = date or fields.Date.context_today(self)
        pilot, candidates, spend, deciles = self._get_control_strata(date)
        if not pilot:
            raise UserError(
                self.env._(
                    "Program %(program)s has no eligible pilot company: the "
                    "control group is matched to them.",
                    program=self.display_name,
                )
            )
        drawn = draw_control_group(
            {partner.id: deciles[partner.id] for partner in pilot},
            {partner.id: deciles[partner.id] for partner in candidates},
            self.control_seed,
        )
        self.control_member_ids.unlink()
        self.env["loyalty.b2b.control.member"].create(
            [
                self._prepare_control_member_vals(partner_id, decile, spend[partner_id])
                for partner_id, decile in drawn
            ]
        )
        self.control_draw_date = date
        self.message_post(
            body=self.env._(
                "Control group drawn with seed %(seed)s: %(count)s companies "
                "matched by spend decile to %(pilot)s pilot companies.",
                seed=self.control_seed,
                count=len(drawn),
                pilot=len(pilot),
            )
        )
        return drawn

    def action_start_pilot(self):
        for program in self:
            if program.pilot_state != "none":
                raise UserError(
                    self.env._(
                        "Program %(program)s already had its pilot.",
                        program=program.display_name,
                    )
                )
        self.pilot_state = "pilot"
        return True

    def action_draw_control_group(self):
        for program in self:
            program._draw_control_group()
        return True

    def action_roll_out(self):
        """End the pilot: the program opens to its whole segment; the control
        group is kept, read-only, for the comparison."""
        for program in self:
            if program.pilot_state != "pilot":
                raise UserError(
                    self.env._(
                        "Program %(program)s is not in pilot.",
                        program=program.display_name,
                    )
                )
        today = fields.Date.context_today(self)
        self.write({"pilot_state": "rolled_out", "rollout_date": today})
        for program in self:
            program.message_post(
                body=self.env._(
                    "Pilot ended on %(date)s: the program is open to all its "
                    "eligible companies. Its control group of %(count)s "
                    "companies is kept for the comparison.",
                    date=format_date(self.env, today),
                    count=program.control_member_count,
                )
            )
        return True
