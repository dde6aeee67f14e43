from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount

from .loyalty_b2b_reward import COUNTED_REQUEST_STATES, TAKEN_REQUEST_STATES

# Requests whose cost is held on the card until they are fulfilled.
OPEN_REQUEST_STATES = ("requested", "approved")
# Roles that may request any reward of their company's card on the portal.
DECISION_ROLES = ("decision_maker",)


class LoyaltyB2bRewardRequest(models.Model):
    """A company's request for a catalogue reward: requested by one of its
    contacts on the portal or by its salesperson, approved (its cost is then
    reserved on the card's ledger), then fulfilled through an ordinary order,
    or rejected or cancelled (the reservation is released)."""

    _name = "loyalty.b2b.reward.request"
    _description = "B2B Loyalty Reward Request"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
    reward_id = fields.Many2one(
        "loyalty.b2b.reward",
        required=True,
        index=True,
        ondelete="restrict",
        tracking=True,
        check_company=True,
    )
    reward_type = fields.Selection(related="reward_id.reward_type")
    card_id = fields.Many2one(
        "loyalty.b2b.card",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    program_id = fields.Many2one(
        related="card_id.program_id", store=True, index=True, precompute=True
    )
    program_type = fields.Selection(related="card_id.program_type")
    partner_id = fields.Many2one(
        related="card_id.partner_id",
        string="Customer",
        store=True,
        index=True,
        precompute=True,
    )
    company_id = fields.Many2one(
        related="card_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    contact_id = fields.Many2one(
        "res.partner",
        string="Requested For",
        index="btree_not_null",
        help="The contact of the company the reward is for (a training seat "
        "for the procurement manager...); for an information reward, the one "
        "who gets access to its documents.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        compute="_compute_user_id",
        store=True,
        readonly=False,
        tracking=True,
    )
    state = fields.Selection(
        [
            ("requested", "Requested"),
            ("approved", "Approved"),
            ("fulfilled", "Fulfilled"),
            ("rejected", "Rejected"),
            ("cancelled", "Cancelled"),
        ],
        default="requested",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
        help="Approved: its cost is reserved on the card. Fulfilled: the order "
        "delivering it (or using the voucher) is confirmed.",
    )
    cost_amount = fields.Monetary(
        string="Cost (Cashback)", readonly=True, help="In company currency."
    )
    cost_stamps = fields.Integer(string="Cost (Stamps)", readonly=True)
    request_date = fields.Date(
        default=fields.Date.context_today, required=True, readonly=True, index=True
    )
    approved_date = fields.Date(readonly=True)
    fulfilled_date = fields.Date(readonly=True)
    note = fields.Text(string="Message")
    reject_reason = fields.Text(readonly=True)
    sale_order_id = fields.Many2one(
        "sale.order",
        string="Order",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The order delivering the reward, or the order using the voucher.",
    )
    hold_entry_id = fields.Many2one(
        "loyalty.b2b.transaction",
        string="Reservation",
        readonly=True,
        copy=False,
        help="The ledger entry holding the cost on the card while the request "
        "is approved.",
    )
    transaction_ids = fields.One2many(
        "loyalty.b2b.transaction", "reward_request_id", string="Ledger Entries"
    )

    @api.depends("card_id.partner_id.user_id", "program_id.signup_user_id")
    def _compute_user_id(self):
        for request in self:
            request.user_id = request._get_salesperson()

    def _get_salesperson(self):
        """Hook: who handles the request: the company's salesperson when it
        works in the program's company, else the program's responsible."""
        self.ensure_one()
        salesperson = self.card_id.partner_id.user_id
        if salesperson and self.company_id in salesperson.company_ids:
            return salesperson
        return self.program_id.signup_user_id

    @api.model_create_multi
    def create(self, vals_list):
        rewards = self.env["loyalty.b2b.reward"].browse(
            [vals.get("reward_id") for vals in vals_list]
        )
        for vals, reward in zip(vals_list, rewards, strict=True):
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(reward.company_id)
                    .next_by_code("loyalty.b2b.reward.request")
                    or "/"
                )
            # The price is the catalogue's at the time of the request.
            vals.setdefault("cost_amount", reward.cost_amount)
            vals.setdefault("cost_stamps", reward.cost_stamps)
        requests = super().create(vals_list)
        requests._check_requestable()
        requests._notify_salesperson()
        return requests

    def write(self, vals):
        frozen = {"reward_id", "card_id", "cost_amount", "cost_stamps"} & set(vals)
        if frozen and any(request.state != "requested" for request in self):
            raise UserError(
                self.env._(
                    "The reward, card and cost of an approved, fulfilled, "
                    "rejected or cancelled request cannot change."
                )
            )
        result = super().write(vals)
        if frozen:
            self._check_requestable()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_only_cancelled(self):
        if any(request.state not in ("rejected", "cancelled") for request in self):
            raise UserError(
                self.env._("Only rejected or cancelled reward requests can be deleted.")
            )

    # Rules ---------------------------------------------------------------------

    def _check_requestable(self):
        """The card may request the reward now: same program, active card,
        reward available, tier, limit per period, stock and what the card has
        free. Raises a clear error naming what is missing."""
        for request in self:
            problem = request.reward_id._get_request_problem(
                request.card_id, exclude=request
            )
            if problem:
                raise ValidationError(problem)

    def _notify_salesperson(self):
        for request in self:
            contact = request.contact_id
            if contact:
                request.message_subscribe(partner_ids=contact.ids)
            request.message_post(
                body=self.env._(
                    "%(contact)s requested %(reward)s for card %(card)s.",
                    contact=(contact or request.create_uid.partner_id).display_name,
                    reward=request.reward_id.display_name,
                    card=request.card_id.display_name,
                )
            )
            if request.user_id:
                request.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("Review the reward request"),
                    user_id=request.user_id.id,
                )

    # Actions -------------------------------------------------------------------

    def action_approve(self):
        """Approve: reserve the cost on the card's ledger (refused if the card
        cannot pay it), and a unit of the reward's stock."""
        for request in self:
            if request.state != "requested":
                raise UserError(
                    self.env._(
                        "Only a request waiting for approval can be approved "
                        "(%(request)s is %(state)s).",
                        request=request.name,
                        state=request._get_state_label(),
                    )
                )
        # Seats first, then the cards' balances: two approvals racing for the
        # last seat or the last balance serialize here (one wins, the other
        # retries and gets the clear error below).
        self.reward_id.filtered("has_stock")._lock_stock()
        self.card_id._lock_for_spending()
        for request in self:
            problem = request.reward_id._get_request_problem(
                request.card_id, exclude=request
            )
            if problem:
                raise UserError(problem)
            request._reserve()
            request.write(
                {
                    "state": "approved",
                    "approved_date": fields.Date.context_today(request),
                }
            )
            request.activity_feedback(["mail.mail_activity_data_todo"])
            request._post_state_message(
                self.env._(
                    "Approved: %(cost)s reserved on the card.",
                    cost=request._get_cost_label(),
                )
            )
        return True

    def action_reject(self, reason=None):
        for request in self:
            if (
                request.state not in OPEN_REQUEST_STATES
                or request._has_confirmed_order()
            ):
                raise UserError(
                    self.env._(
                        "Request %(request)s cannot be rejected: it is %(state)s.",
                        request=request.name,
                        state=request._get_state_label(),
                    )
                )
        self._end(
            "rejected", self.env._("Rejected: %(reason)s", reason=reason or "-"), reason
        )
        return True

    def action_open_reject_wizard(self):
        self.ensure_one()
        return {
            "name": self.env._("Reject the Reward Request"),
            "type": "ir.actions.act_window",
            "res_model": "loyalty.b2b.reward.reject.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_request_id": self.id},
        }

    def action_cancel(self):
        for request in self:
            if (
                request.state not in OPEN_REQUEST_STATES
                or request._has_confirmed_order()
            ):
                raise UserError(
                    self.env._(
                        "Request %(request)s cannot be cancelled: it is %(state)s. "
                        "A fulfilled reward is returned by cancelling its order.",
                        request=request.name,
                        state=request._get_state_label(),
                    )
                )
        self._end("cancelled", self.env._("Cancelled."))
        return True

    def _end(self, state, message, reason=None):
        """Reject or cancel: release the reservation, take the request's lines
        off the quotation that was to deliver it."""
        self._release()
        self._remove_order_lines()
        for request in self:
            request.write({"state": state, "reject_reason": reason or False})
            request.activity_unlink(["mail.mail_activity_data_todo"])
            request._post_state_message(message)

    def _has_confirmed_order(self):
        self.ensure_one()
        return self.sale_order_id.state == "sale"

    def _remove_order_lines(self):
        """Hook: take the lines of these requests off their quotations."""
        lines = self.env["sale.order.line"].search(
            [
                ("b2b_reward_request_id", "in", self.ids),
                ("state", "in", ("draft", "sent")),
            ]
        )
        lines.unlink()
        self.filtered(lambda request: request.sale_order_id.state != "sale").write(
            {"sale_order_id": False}
        )

    # Ledger --------------------------------------------------------------------

    def _reserve(self):
        """Hold the cost of these requests on their cards (the ledger refuses
        it when a card cannot pay it, under the card's lock)."""
        Ledger = self.env["loyalty.b2b.transaction"].sudo()
        for request in self:
            entry = Ledger.create(request._prepare_reservation_vals())
            request.hold_entry_id = entry

    def _prepare_reservation_vals(self):
        self.ensure_one()
        return {
            "card_id": self.card_id.id,
            "kind": "reserve",
            "reserved_amount": self.cost_amount,
            "reserved_stamps": self.cost_stamps,
            "reward_request_id": self.id,
            "note": self.env._(
                "Reserved for %(request)s: %(reward)s",
                request=self.name,
                reward=self.reward_id.display_name,
            ),
        }

    def _release(self):
        """Give back what these requests hold on their cards."""
        held = self.hold_entry_id.filtered(lambda entry: not entry.is_cancelled)
        if not held:
            return self.env["loyalty.b2b.transaction"]
        entries = (
            self.env["loyalty.b2b.transaction"]
            .sudo()
            .create(
                [
                    {
                        "card_id": entry.card_id.id,
                        "kind": "release",
                        "reserved_amount": -entry.reserved_amount,
                        "reserved_stamps": -entry.reserved_stamps,
                        "reward_request_id": entry.reward_request_id.id,
                        "reversed_entry_id": entry.id,
                        "note": self.env._(
                            "Released for %(request)s",
                            request=entry.reward_request_id.name,
                        ),
                    }
                    for entry in held
                ]
            )
        )
        self.write({"hold_entry_id": False})
        return entries

    # Labels --------------------------------------------------------------------

    def _get_state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    def _get_cost_label(self):
        """The cost of the request (the catalogue's when it was made)."""
        self.ensure_one()
        return self.reward_id._format_cost(self.cost_amount, self.cost_stamps)

    def _post_state_message(self, body):
        """A message the requesting contact follows (portal-visible)."""
        self.ensure_one()
        self.message_post(body=body, subtype_xmlid="mail.mt_comment")


class LoyaltyB2bReward(models.Model):
    _inherit = "loyalty.b2b.reward"

    def _get_request_problem(self, card, exclude=None, date=None):
        """Why ``card`` cannot request this reward now, as a sentence for the
        user, or None. ``exclude``: the request being checked itself."""
        self.ensure_one()
        date = date or fields.Date.context_today(self)
        exclude = exclude or self.env["loyalty.b2b.reward.request"]
        if card.program_id != self.program_id:
            return self.env._(
                "Reward %(reward)s belongs to program %(program)s, not to the "
                "program of card %(card)s.",
                reward=self.display_name,
                program=self.program_id.display_name,
                card=card.display_name,
            )
        if card.state != "active" or not card.program_id._is_valid_on(date):
            return self.env._(
                "Card %(card)s is not active: it cannot request rewards.",
                card=card.display_name,
            )
        if not self._is_available_on(date):
            return self.env._(
                "Reward %(reward)s is not available today.", reward=self.display_name
            )
        if self.tier_ids and card.tier_id not in self.tier_ids:
            return self.env._(
                "Reward %(reward)s is reserved to the tiers %(tiers)s.",
                reward=self.display_name,
                tiers=", ".join(self.tier_ids.mapped("name")),
            )
        problem = self._get_limit_problem(card, exclude, date)
        if problem:
            return problem
        if self.has_stock:
            taken = (
                self.env["loyalty.b2b.reward.request"]
                .sudo()
                .search_count(
                    [
                        ("reward_id", "=", self.id),
                        ("state", "in", TAKEN_REQUEST_STATES),
                        ("id", "not in", exclude.ids),
                    ]
                )
            )
            if taken >= self.stock_quantity:
                return self.env._(
                    "Reward %(reward)s is out of stock: all %(count)s were given.",
                    reward=self.display_name,
                    count=self.stock_quantity,
                )
        return self._get_cost_problem(card, exclude)

    def _get_limit_problem(self, card, exclude, date):
        if not self.limit_count:
            return None
        start = self._get_limit_period_start(date)
        domain = [
            ("reward_id", "=", self.id),
            ("partner_id", "=", card.partner_id.id),
            ("state", "in", COUNTED_REQUEST_STATES),
            ("id", "not in", exclude.ids),
        ]
        if start:
            domain.append(("request_date", ">=", start))
        count = self.env["loyalty.b2b.reward.request"].sudo().search_count(domain)
        if count >= self.limit_count:
            period = dict(self._fields["limit_period"]._description_selection(self.env))
            return self.env._(
                "%(company)s already requested %(reward)s %(count)s times this "
                "period (%(period)s): that is its limit.",
                company=card.partner_id.display_name,
                reward=self.display_name,
                count=count,
                period=period.get(self.limit_period, ""),
            )
        return None

    def _get_cost_problem(self, card, exclude):
        """What the card has free does not reach the cost. Informative before
        approval; the ledger refuses the reservation itself."""
        request = exclude[:1]
        cost_amount = request.cost_amount if request else self.cost_amount
        cost_stamps = request.cost_stamps if request else self.cost_stamps
        if self.program_type == "stamp" and card.stamps_available < cost_stamps:
            return self.env._(
                "Card %(card)s has %(free)s free stamps; %(reward)s needs "
                "%(count)s (%(missing)s more).",
                card=card.display_name,
                free=max(card.stamps_available, 0),
                reward=self.display_name,
                count=cost_stamps,
                missing=cost_stamps - max(card.stamps_available, 0),
            )
        if (
            self.program_type == "cashback"
            and card.currency_id.compare_amounts(card.cashback_available, cost_amount)
            < 0
        ):
            return self.env._(
                "Card %(card)s has %(free)s of cashback free; %(reward)s costs "
                "%(cost)s.",
                card=card.display_name,
                free=format_amount(
                    self.env, max(card.cashback_available, 0.0), card.currency_id
                ),
                reward=self.display_name,
                cost=self._get_cost_label(),
            )
        return None

    def _is_requestable_by(self, contact):
        """May ``contact`` (a contact of a card holder) request this reward on
        the portal: the company itself and its decision makers may request
        any; the contacts of the role the reward addresses, that one."""
        self.ensure_one()
        if not contact:
            return False
        if contact == contact.commercial_partner_id:
            return True
        role = contact.b2b_loyalty_role
        return role in DECISION_ROLES or bool(
            self.contact_role and role == self.contact_role
        )
