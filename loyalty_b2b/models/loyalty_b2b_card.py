import re
from contextlib import contextmanager

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .number_checks import check_finite_values, is_finite_number

CARD_SEQUENCE_CODE = "loyalty.b2b.card"
# Unique index of the current cards of a program and company (see init()).
ACTIVE_CARD_INDEX = "loyalty_b2b_card_current_program_partner_uniq"
# States of a company's one card of a program: the one it uses, or the one
# waiting for its membership fee. Blocked and expired cards may be replaced.
CURRENT_CARD_STATES = ("active", "pending")


class LoyaltyB2bCard(models.Model):
    _name = "loyalty.b2b.card"
    _description = "B2B Loyalty Card"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True
    # A branch's documents use its parent company's cards (see
    # res.company._b2b_get_program_companies).
    _check_company_domain = models.check_company_domain_parent_of

    name = fields.Char(
        string="Card Number", required=True, readonly=True, copy=False, default="/"
    )
    program_id = fields.Many2one(
        "loyalty.b2b.program", required=True, index=True, tracking=True
    )
    program_type = fields.Selection(related="program_id.program_type")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        help="Cards belong to the commercial partner: a card issued to a "
        "contact is stored on its company.",
    )
    company_id = fields.Many2one(
        related="program_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("active", "Active"),
            ("blocked", "Blocked"),
            ("expired", "Expired"),
        ],
        default="active",
        required=True,
        tracking=True,
        help="Pending: waiting for its membership fee, it gives and earns "
        "nothing yet. Active: gives its benefits. Blocked: stopped by the "
        "seller. Expired: its program or membership ended; balances and "
        "history are kept.",
    )
    issue_date = fields.Date(
        string="Issued On",
        default=fields.Date.context_today,
        required=True,
        readonly=True,
        copy=False,
        help="The day the card was issued: the company joined the program that "
        "day (a membership card: the first day of its first paid period). The "
        "program's analysis counts new members by this date.",
    )
    spent_amount = fields.Monetary(
        string="Qualifying Spend",
        readonly=True,
        help="Company spend in the program's window, in company currency: "
        "untaxed posted customer invoices minus credit notes of all its "
        "contacts, kept up to date by the tier engine.",
    )
    # Written by the tier engine (_recompute_tiers), not computed: a tier
    # held by the program's tier_hold_months depends on the card's past.
    tier_id = fields.Many2one("loyalty.b2b.tier", readonly=True)
    tier_reached_date = fields.Date(
        string="Tier Reached On",
        readonly=True,
        help="Date the card moved to its current tier; a program's hold "
        "period counts from this date.",
    )
    tier_history_ids = fields.One2many("loyalty.b2b.tier.history", "card_id")
    discount_percent = fields.Float(
        string="Discount (%)",
        digits="Discount",
        compute="_compute_percents",
        store=True,
    )
    cashback_percent = fields.Float(
        string="Cashback (%)",
        digits="Discount",
        compute="_compute_percents",
        store=True,
    )
    transaction_ids = fields.One2many(
        "loyalty.b2b.transaction", "card_id", string="Ledger"
    )
    # Summed from the ledger when read, not stored: an order that earns a stamp
    # or an invoice that earns cashback only inserts its ledger row, never
    # updates (and locks) the card. Only spending locks it (see _lock_for_spending).
    cashback_balance = fields.Monetary(
        compute="_compute_ledger_totals", search="_search_cashback_balance"
    )
    stamp_count = fields.Integer(
        compute="_compute_ledger_totals", search="_search_stamp_count"
    )
    stamps_required = fields.Integer(related="program_id.stamps_required")
    is_stamp_reward_ready = fields.Boolean(
        string="Stamp Reward Ready",
        compute="_compute_is_stamp_reward_ready",
        search="_search_is_stamp_reward_ready",
        help="The stamp card holds the stamps its reward needs.",
    )
    color = fields.Integer(related="program_id.color")
    logo = fields.Image(related="program_id.logo")

    _sql_constraints = [
        (
            "name_company_uniq",
            "unique(company_id, name)",
            "A card number must be unique per company.",
        ),
    ]

    def init(self):
        # Last line of defence against two concurrent enrolments of one company.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (program_id, partner_id) "
                "WHERE state IN %s",
                SQL.identifier(ACTIVE_CARD_INDEX),
                SQL.identifier(self._table),
                CURRENT_CARD_STATES,
            )
        )

    @api.depends(
        "program_id.program_type",
        "program_id.discount_percent",
        "tier_id.discount_percent",
        "tier_id.cashback_percent",
    )
    def _compute_percents(self):
        for card in self:
            if card.program_id.program_type == "discount":
                card.discount_percent = card.program_id.discount_percent
                card.cashback_percent = 0.0
            else:
                card.discount_percent = card.tier_id.discount_percent
                card.cashback_percent = card.tier_id.cashback_percent

    @api.depends("transaction_ids.amount", "transaction_ids.stamps")
    def _compute_ledger_totals(self):
        totals = self._get_ledger_totals()
        for card in self:
            card.cashback_balance, card.stamp_count = totals.get(card, (0.0, 0))

    def _get_ledger_totals(self):
        """``{card: (cashback, stamps)}`` summed from the ledger in one query."""
        # sudo: the totals of cards the user reads, whoever may read the ledger.
        ledger = self.env["loyalty.b2b.transaction"].sudo()
        return {
            card: (card.currency_id.round(amount), stamps)
            for card, amount, stamps in ledger._read_group(
                [("card_id", "in", self.ids)],
                ["card_id"],
                ["amount:sum", "stamps:sum"],
            )
        }

    @api.depends("program_id.program_type", "stamp_count", "stamps_required")
    def _compute_is_stamp_reward_ready(self):
        for card in self:
            card.is_stamp_reward_ready = (
                card.program_id.program_type == "stamp"
                and card.stamp_count >= card.stamps_required
            )

    def _search_cashback_balance(self, operator, value):
        return self._search_ledger_total("amount", operator, value)

    def _search_stamp_count(self, operator, value):
        return self._search_ledger_total("stamps", operator, value)

    def _search_ledger_total(self, column, operator, value):
        """Domain of the cards whose ledger ``column`` sums to ``operator
        value`` (a card without entries sums to 0), in one subquery."""
        if operator not in ("=", "!=", "<", "<=", ">", ">="):
            raise UserError(
                self.env._(
                    "Cards cannot be searched with the operator %(operator)s on "
                    "their ledger totals.",
                    operator=operator,
                )
            )
        value = self._check_ledger_total_operand(operator, value)
        self.env["loyalty.b2b.transaction"].flush_model(["card_id", column])
        return [
            (
                "id",
                "in",
                SQL(
                    """(SELECT card.id
                          FROM loyalty_b2b_card card
                     LEFT JOIN loyalty_b2b_transaction entry
                            ON entry.card_id = card.id
                      GROUP BY card.id
                        HAVING COALESCE(SUM(entry.%s), 0) %s %s)""",
                    SQL.identifier(column),
                    SQL(operator),
                    value,
                ),
            )
        ]

    def _check_ledger_total_operand(self, operator, value):
        """The number a ledger total is compared with: a finite int or float;
        for ``=`` and ``!=`` also False or None, meaning 0. Anything else
        (texts, booleans, lists, NaN, infinities) gets a clear error instead of
        a database one."""
        if operator in ("=", "!=") and (value is None or value is False):
            return 0
        if not is_finite_number(value):
            raise UserError(
                self.env._(
                    "The cashback balance and the stamps of cards are compared "
                    "with a number, not %(value)s.",
                    value=repr(value),
                )
            )
        return value

    def _search_is_stamp_reward_ready(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(
                self.env._("Search stamp cards whose reward is ready or not ready.")
            )
        self.flush_model(["program_id"])
        self.env["loyalty.b2b.program"].flush_model(["program_type", "stamps_required"])
        self.env["loyalty.b2b.transaction"].flush_model(
            ["card_id", *self._get_ready_stamps_columns()]
        )
        ready = SQL(
            """(SELECT card.id
                  FROM loyalty_b2b_card card
                  JOIN loyalty_b2b_program program ON program.id = card.program_id
             LEFT JOIN loyalty_b2b_transaction entry ON entry.card_id = card.id
                 WHERE program.program_type = 'stamp'
              GROUP BY card.id, program.stamps_required
                HAVING COALESCE(SUM(%s), 0) >= program.stamps_required)""",
            self._get_ready_stamps_sql(),
        )
        is_ready = (operator == "=") == value
        return [("id", "in" if is_ready else "not in", ready)]

    def _get_ready_stamps_columns(self):
        """Hook: the ledger columns of the stamps a reward may take."""
        return ["stamps"]

    def _get_ready_stamps_sql(self):
        """Hook: the stamps of a ledger row (alias ``entry``) a reward may take."""
        return SQL("entry.stamps")

    def _check_no_other_active_card(self, pairs):
        """Refuse a second active card of a program for a company, before writing
        it: the database's unique index would only give a cryptic error."""
        if not pairs:
            return
        program_ids = {program_id for program_id, _partner_id in pairs}
        partner_ids = {partner_id for _program_id, partner_id in pairs}
        existing = self.search(
            [
                ("state", "in", CURRENT_CARD_STATES),
                ("program_id", "in", list(program_ids)),
                ("partner_id", "in", list(partner_ids)),
                ("id", "not in", self.ids),
            ]
        )
        taken = {(card.program_id.id, card.partner_id.id): card for card in existing}
        seen = set()
        for pair in pairs:
            card = taken.get(pair)
            if card or pair in seen:
                raise self._get_active_card_exists_error(*pair)
            seen.add(pair)

    def _get_active_card_exists_error(self, program_id, partner_id):
        """The error saying that the company ``partner_id`` already holds an
        active card of the program ``program_id``."""
        program = self.env["loyalty.b2b.program"].browse(program_id)
        partner = self.env["res.partner"].browse(partner_id)
        return ValidationError(
            self.env._(
                "%(partner)s already has a card of program %(program)s "
                "(active or pending).",
                partner=partner.display_name,
                program=program.display_name,
            )
        )

    @contextmanager
    def _guard_active_card_index(self, pairs):
        """Write active cards (the ``(program id, partner id)`` ``pairs``) in a
        savepoint, and turn a violation of the unique index on active cards into
        the error of _check_no_other_active_card.

        That check cannot see a card that another transaction issued and has not
        committed yet: the database's unique index then makes this transaction
        wait for the other one and fails it once the other commits.
        """
        if not pairs:
            yield
            return
        try:
            with self.env.cr.savepoint():
                yield
                # The UPDATEs of write() are delayed: run them in the savepoint.
                self.flush_model(["state", "program_id", "partner_id"])
        except psycopg2.errors.UniqueViolation as error:
            if error.diag.constraint_name != ACTIVE_CARD_INDEX:
                raise
            # "Key (program_id, partner_id)=(7, 17) already exists."
            match = re.search(r"=\((\d+), ?(\d+)\)", error.diag.message_detail or "")
            pair = tuple(map(int, match.groups())) if match else pairs[0]
            raise self._get_active_card_exists_error(*pair) from None

    @api.constrains("program_id", "partner_id")
    def _check_partner_eligible(self):
        # One eligibility check per program, for all its cards.
        for program, cards in self.grouped("program_id").items():
            eligible = program._filter_eligible_partners(cards.partner_id)
            for card in cards:
                if card.partner_id not in eligible:
                    raise ValidationError(
                        self.env._(
                            "%(partner)s is not eligible for program %(program)s: "
                            "it is outside the companies the program is open to "
                            "(its partner tags, eligible companies filter or "
                            "pilot).",
                            partner=card.partner_id.display_name,
                            program=program.display_name,
                        )
                    )

    @api.model_create_multi
    def create(self, vals_list):
        check_finite_values(self, vals_list)
        partners = self.env["res.partner"].browse(
            [vals["partner_id"] for vals in vals_list if vals.get("partner_id")]
        )
        programs = self.env["loyalty.b2b.program"].browse(
            [vals["program_id"] for vals in vals_list if vals.get("program_id")]
        )
        # Prefetch in one query each, not one per card.
        partners.fetch(["commercial_partner_id"])
        programs.fetch(["company_id"])
        for vals in vals_list:
            if vals.get("partner_id"):
                vals["partner_id"] = (
                    self.env["res.partner"]
                    .browse(vals["partner_id"])
                    .commercial_partner_id.id
                )
            if vals.get("name", "/") == "/" and vals.get("program_id"):
                company = (
                    self.env["loyalty.b2b.program"]
                    .browse(vals["program_id"])
                    .company_id
                )
                vals["name"] = self._get_card_sequence(company).next_by_id()
        active_pairs = [
            (vals.get("program_id"), vals.get("partner_id"))
            for vals in vals_list
            if vals.get("state", "active") in CURRENT_CARD_STATES
        ]
        self._check_no_other_active_card(active_pairs)
        with self._guard_active_card_index(active_pairs):
            cards = super().create(vals_list)
        cards._recompute_tiers(initial=True)
        return cards

    def write(self, vals):
        check_finite_values(self, [vals])
        if vals.get("partner_id"):
            vals["partner_id"] = (
                self.env["res.partner"]
                .browse(vals["partner_id"])
                .commercial_partner_id.id
            )
        self._check_ledger_frozen_fields(vals)
        active_pairs = []
        if {"state", "program_id", "partner_id"} & vals.keys():
            active_pairs = [
                (
                    vals.get("program_id", card.program_id.id),
                    vals.get("partner_id", card.partner_id.id),
                )
                for card in self
                if vals.get("state", card.state) in CURRENT_CARD_STATES
            ]
            self._check_no_other_active_card(active_pairs)
        with self._guard_active_card_index(active_pairs):
            res = super().write(vals)
        if "spent_amount" in vals and "tier_id" not in vals:
            self._apply_written_spend()
        if vals.get("state") == "active":
            self._recompute_tiers()
        return res

    def _check_ledger_frozen_fields(self, vals):
        """Refuse to give a card with ledger entries another customer or
        program: its entries (and their journal entries) would stay with the
        old ones."""
        fnames = [fname for fname in ("partner_id", "program_id") if fname in vals]
        changed = self.filtered(
            lambda card: any(card[fname].id != vals[fname] for fname in fnames)
        )
        if not changed:
            return
        # sudo: every entry counts, also those of companies the user cannot read.
        with_entries = (
            self.env["loyalty.b2b.transaction"]
            .sudo()
            ._read_group([("card_id", "in", changed.ids)], ["card_id"])
        )
        if with_entries:
            card = with_entries[0][0].sudo(False)
            raise UserError(
                self.env._(
                    "Card %(card)s already has ledger entries: its customer and "
                    "program can no longer change. Block it and issue a new card "
                    "instead.",
                    card=card.display_name,
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_ledger(self):
        if self.transaction_ids:
            raise UserError(
                self.env._(
                    "A card with ledger entries cannot be deleted; block it instead."
                )
            )

    @api.model
    def _get_card_sequence(self, company):
        """The company's card number sequence, created on first use."""
        sequence_model = self.env["ir.sequence"].sudo()
        sequence = sequence_model.search(
            [("code", "=", CARD_SEQUENCE_CODE), ("company_id", "=", company.id)],
            limit=1,
        )
        if not sequence:
            sequence = sequence_model.create(
                {
                    "name": self.env._(
                        "B2B Loyalty Cards of %(company)s", company=company.name
                    ),
                    "code": CARD_SEQUENCE_CODE,
                    "company_id": company.id,
                    "prefix": "B2B-",
                    "padding": 6,
                }
            )
        return sequence

    def action_block(self):
        self.write({"state": "blocked"})

    def action_activate(self):
        self.write({"state": "active"})

    def action_view_transactions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_transaction_action"
        )
        action["domain"] = [("card_id", "=", self.id)]
        action["context"] = {"default_card_id": self.id}
        return action

    @api.model
    def _cron_expire_cards(self):
        """Cards of programs that have ended stop giving benefits."""
        today = fields.Date.context_today(self)
        ended = self.search(
            [("state", "=", "active"), ("program_id.date_to", "<", today)]
        )
        ended.write({"state": "expired"})
        return ended

    @api.model
    def _get_active_cards(self, partners, date=None):
        """Active cards of the partners' companies whose program runs on ``date``
        and to which the company is still eligible (a company left out of the
        program's segment, or outside its pilot, keeps its card but gets
        nothing from it)."""
        date = date or fields.Date.context_today(self)
        cards = self.search(
            [
                ("partner_id", "in", partners.commercial_partner_id.ids),
                ("state", "=", "active"),
            ]
        )
        return cards.filtered(
            lambda card: card.program_id._is_valid_on(date)
        )._filter_eligible_holders()

    def _filter_eligible_holders(self):
        """The cards of ``self`` whose company is eligible for their program:
        one eligibility check per program, not per card."""
        eligible_ids = set()
        for program, cards in self.grouped("program_id").items():
            partner_ids = set(program._filter_eligible_partners(cards.partner_id).ids)
            eligible_ids.update(
                card.id for card in cards if card.partner_id.id in partner_ids
            )
        return self.filtered(lambda card: card.id in eligible_ids)
