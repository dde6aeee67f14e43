from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount

from .number_checks import check_finite_values
from .row_locks import serialize_on

# Programs whose cards pay for catalogue rewards, and in what.
REWARD_PROGRAM_TYPES = ("cashback", "stamp")
# Requests that count against a reward's stock and its limit per company.
COUNTED_REQUEST_STATES = ("requested", "approved", "fulfilled")
# Requests whose cost is held on the card, or was spent.
TAKEN_REQUEST_STATES = ("approved", "fulfilled")
# Months of each limit period, counted from the start of the calendar period.
LIMIT_PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


class LoyaltyB2bReward(models.Model):
    """An entry of a program's reward catalogue: a product, a service
    (training, seminar, consulting, marketing support...), a voucher for a later
    order or access to exclusive information, paid with the card's cashback or
    stamps."""

    _name = "loyalty.b2b.reward"
    _description = "B2B Loyalty Reward"
    _order = "program_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    description = fields.Html(translate=True, sanitize_overridable=False)
    image_1920 = fields.Image(string="Image", max_width=1920, max_height=1920)
    image_256 = fields.Image(
        string="Thumbnail", related="image_1920", max_width=256, max_height=256
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    program_id = fields.Many2one(
        "loyalty.b2b.program",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("program_type", "in", REWARD_PROGRAM_TYPES)],
    )
    program_type = fields.Selection(related="program_id.program_type")
    company_id = fields.Many2one(
        related="program_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    reward_type = fields.Selection(
        [
            ("product", "Product"),
            ("service", "Service"),
            ("voucher", "Voucher"),
            ("information", "Exclusive information"),
        ],
        string="Kind",
        required=True,
        default="product",
        help="Product: goods delivered with an order. Service: training, "
        "seminar, consulting, marketing support, POS materials, samples... "
        "delivered with an order. Voucher: a fixed amount or a percentage off a "
        "later order. Exclusive information: access to the reward's documents "
        "on the portal.",
    )
    product_id = fields.Many2one(
        "product.product",
        check_company=True,
        help="What delivers the reward on the order that fulfils it; for a "
        "voucher, the discount line's product.",
    )
    cost_amount = fields.Monetary(
        string="Cost (Cashback)",
        help="Cashback the card pays for the reward, in company currency; the "
        "reward's value on the order that fulfils it.",
    )
    cost_stamps = fields.Integer(
        string="Cost (Stamps)", help="Stamps the card pays for the reward."
    )
    voucher_type = fields.Selection(
        [("fixed", "Fixed amount"), ("percent", "Percentage")],
        default="fixed",
        help="A cashback voucher is a fixed amount equal to its cost.",
    )
    voucher_value = fields.Float(
        digits="Discount",
        help="Amount (company currency) or percentage off the later order.",
    )
    tier_ids = fields.Many2many(
        "loyalty.b2b.tier",
        string="Reserved to Tiers",
        domain="[('program_id', '=', program_id)]",
        help="Only cards in these tiers may request it. Empty: every card.",
    )
    tier_teaser = fields.Boolean(
        string="Shown to Other Tiers",
        help="Cards of other tiers see the reward in their portal catalogue, "
        "marked with the tiers it is reserved to, without being able to "
        "request it. Off: other tiers do not see it at all.",
    )
    contact_role = fields.Selection(
        [
            ("decision_maker", "Decision maker"),
            ("accountant", "Accountant"),
            ("procurement", "Procurement manager"),
            ("other", "Other"),
        ],
        string="Addresses",
        help="The contact role the reward is for (e.g. a training seat for the "
        "procurement manager): contacts of that role may request it on the "
        "portal, besides the decision makers.",
    )
    limit_count = fields.Integer(
        string="Limit per Company",
        help="Requests a company may make per period (rejected and cancelled "
        "requests do not count). 0: no limit.",
    )
    limit_period = fields.Selection(
        [
            ("month", "Month"),
            ("quarter", "Quarter"),
            ("year", "Year"),
            ("always", "Ever"),
        ],
        default="year",
    )
    has_stock = fields.Boolean(
        string="Limited Stock", help="Only so many can be given, e.g. 12 seats."
    )
    stock_quantity = fields.Integer(string="Stock")
    stock_left = fields.Integer(compute="_compute_stock_left")
    date_from = fields.Date(string="Available From")
    date_to = fields.Date(string="Available Until")
    request_ids = fields.One2many("loyalty.b2b.reward.request", "reward_id")
    request_count = fields.Integer(compute="_compute_request_count")

    @api.model_create_multi
    def create(self, vals_list):
        # NaN and infinities get a clear error, not a database one.
        check_finite_values(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_finite_values(self, [vals])
        return super().write(vals)

    @api.depends("has_stock", "stock_quantity", "request_ids.state")
    def _compute_stock_left(self):
        taken = self._get_taken_counts()
        for reward in self:
            reward.stock_left = (
                max(reward.stock_quantity - taken.get(reward, 0), 0)
                if reward.has_stock
                else 0
            )

    def _get_taken_counts(self):
        """``{reward: requests holding or having spent a unit of its stock}``."""
        if not self.ids:
            return {}
        # sudo: the stock is the catalogue's, whoever reads it.
        return dict(
            self.env["loyalty.b2b.reward.request"]
            .sudo()
            ._read_group(
                [("reward_id", "in", self.ids), ("state", "in", TAKEN_REQUEST_STATES)],
                ["reward_id"],
                ["__count"],
            )
        )

    @api.depends("request_ids")
    def _compute_request_count(self):
        counts = dict(
            self.env["loyalty.b2b.reward.request"]._read_group(
                [("reward_id", "in", self.ids)], ["reward_id"], ["__count"]
            )
        )
        for reward in self:
            reward.request_count = counts.get(reward, 0)

    @api.constrains(
        "program_id",
        "reward_type",
        "product_id",
        "cost_amount",
        "cost_stamps",
        "voucher_type",
        "voucher_value",
    )
    def _check_cost(self):
        for reward in self:
            program = reward.program_id
            if program.program_type not in REWARD_PROGRAM_TYPES:
                raise ValidationError(
                    self.env._(
                        "Reward %(reward)s: only cashback and stamp programs have "
                        "a reward catalogue.",
                        reward=reward.display_name,
                    )
                )
            if program.program_type == "cashback" and (
                reward.currency_id.compare_amounts(reward.cost_amount, 0.0) <= 0
                or reward.cost_stamps
            ):
                raise ValidationError(
                    self.env._(
                        "Reward %(reward)s of a cashback program costs a positive "
                        "amount of cashback, and no stamps.",
                        reward=reward.display_name,
                    )
                )
            if program.program_type == "stamp" and (
                reward.cost_stamps < 1
                or not reward.currency_id.is_zero(reward.cost_amount)
            ):
                raise ValidationError(
                    self.env._(
                        "Reward %(reward)s of a stamp program costs at least one "
                        "stamp, and no cashback.",
                        reward=reward.display_name,
                    )
                )
            if not reward.product_id:
                raise ValidationError(
                    self.env._(
                        "Reward %(reward)s needs the product that delivers it on "
                        "an order.",
                        reward=reward.display_name,
                    )
                )
            if reward.reward_type == "voucher":
                reward._check_voucher()

    def _check_voucher(self):
        self.ensure_one()
        if self.voucher_type == "percent":
            if not 0 < self.voucher_value <= 100:
                raise ValidationError(
                    self.env._(
                        "Voucher %(reward)s: the percentage must be above 0 and "
                        "at most 100.",
                        reward=self.display_name,
                    )
                )
            if self.program_type == "cashback":
                raise ValidationError(
                    self.env._(
                        "Voucher %(reward)s: a cashback voucher is a fixed amount "
                        "(the cashback it costs), not a percentage.",
                        reward=self.display_name,
                    )
                )
        elif self.currency_id.compare_amounts(self.voucher_value, 0.0) <= 0:
            raise ValidationError(
                self.env._(
                    "Voucher %(reward)s: the amount must be positive.",
                    reward=self.display_name,
                )
            )
        elif self.program_type == "cashback" and self.currency_id.compare_amounts(
            self.voucher_value, self.cost_amount
        ):
            # The voucher spends the cashback on the later order's invoice: the
            # liability falls by what the card paid, exactly.
            raise ValidationError(
                self.env._(
                    "Voucher %(reward)s: a cashback voucher is worth its cost.",
                    reward=self.display_name,
                )
            )

    @api.onchange("reward_type", "cost_amount", "program_id")
    def _onchange_voucher_value(self):
        if self.reward_type == "voucher" and self.program_type == "cashback":
            self.voucher_type = "fixed"
            self.voucher_value = self.cost_amount

    @api.constrains(
        "limit_count", "stock_quantity", "has_stock", "date_from", "date_to"
    )
    def _check_limits(self):
        for reward in self:
            if reward.limit_count < 0 or reward.stock_quantity < 0:
                raise ValidationError(
                    self.env._(
                        "Reward %(reward)s: the limit per company and the stock "
                        "cannot be negative.",
                        reward=reward.display_name,
                    )
                )
            if (
                reward.date_from
                and reward.date_to
                and reward.date_from > reward.date_to
            ):
                raise ValidationError(
                    self.env._(
                        "Reward %(reward)s: it cannot end before it starts.",
                        reward=reward.display_name,
                    )
                )

    @api.constrains("tier_ids", "program_id")
    def _check_tiers(self):
        for reward in self:
            if reward.tier_ids.program_id - reward.program_id:
                raise ValidationError(
                    self.env._(
                        "Reward %(reward)s can only be reserved to tiers of its "
                        "own program.",
                        reward=reward.display_name,
                    )
                )

    # Availability --------------------------------------------------------------

    def _is_available_on(self, date):
        self.ensure_one()
        return (
            self.active
            and (not self.date_from or self.date_from <= date)
            and (not self.date_to or date <= self.date_to)
        )

    def _is_visible_to(self, card):
        """Does ``card``'s portal catalogue list this reward: a reward of its
        program, available today, and of its tier (or shown to other tiers as
        a teaser)."""
        self.ensure_one()
        return (
            self.program_id == card.program_id
            and self._is_available_on(fields.Date.context_today(self))
            and (not self.tier_ids or card.tier_id in self.tier_ids or self.tier_teaser)
        )

    def _get_limit_period_start(self, date):
        """First day of the limit period holding ``date`` (None: ever)."""
        self.ensure_one()
        months = LIMIT_PERIOD_MONTHS.get(self.limit_period)
        if not months:
            return None
        start = date.replace(day=1)
        return start - relativedelta(months=(start.month - 1) % months)

    def _get_cost_label(self):
        """The cost as the customer reads it: "120.00 €" or "5 stamps"."""
        self.ensure_one()
        return self._format_cost(self.cost_amount, self.cost_stamps)

    def _format_cost(self, amount, stamps):
        """A cost of this reward's program: an amount of cashback or stamps."""
        self.ensure_one()
        if self.program_type == "stamp":
            return self.env._("%(count)s stamps", count=stamps)
        return format_amount(self.env, amount, self.currency_id)

    def _lock_stock(self):
        """Serialize the transactions taking units of these rewards' stock:
        what is left is counted from requests (see serialize_on)."""
        serialize_on(self)

    def action_view_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_reward_request_action"
        )
        action["domain"] = [("reward_id", "=", self.id)]
        action["context"] = {"default_reward_id": self.id}
        return action
