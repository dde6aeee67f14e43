import bisect
import math
import re
import threading
from contextlib import contextmanager

import psycopg2.errors
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_round, split_every

from .number_checks import check_finite_values

CARD_SEQUENCE_CODE = "loyalty.b2b.card"
# Unique index of the active cards of a program and company (see init()).
ACTIVE_CARD_INDEX = "loyalty_b2b_card_active_program_partner_uniq"
# Program types whose cards have tiers decided by the company's spend.
TIERED_PROGRAM_TYPES = ("accumulative", "cashback")
# Cards per transaction of the nightly tier recomputation.
TIER_BATCH_SIZE = 5000


class LoyaltyB2bCard(models.Model):
    _name = "loyalty.b2b.card"
    _description = "B2B Loyalty Card"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

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
        [("active", "Active"), ("blocked", "Blocked"), ("expired", "Expired")],
        default="active",
        required=True,
        tracking=True,
    )
    spent_amount = fields.Monetary(
        string="Qualifying Spend",
        readonly=True,
        help="Company spend in the program's window, in company currency: "
        "untaxed posted customer invoices minus credit notes of all its "
        "contacts, kept up to date by the tier engine.",
    )
    # Written by the tier engine (_b2b_recompute_tiers), not computed: a tier
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
    # updates (and locks) the card. Only spending locks it (see _b2b_lock).
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
                "WHERE state = 'active'",
                SQL.identifier(ACTIVE_CARD_INDEX),
                SQL.identifier(self._table),
            )
        )
        self._b2b_create_spend_index()

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
        # sudo: the totals of cards the user reads, whoever may read the ledger.
        ledger = self.env["loyalty.b2b.transaction"].sudo()
        totals = {
            card: (amount, stamps)
            for card, amount, stamps in ledger._read_group(
                [("card_id", "in", self.ids)],
                ["card_id"],
                ["amount:sum", "stamps:sum"],
            )
        }
        for card in self:
            card.cashback_balance, card.stamp_count = totals.get(card, (0.0, 0))

    @api.depends("program_id.program_type", "stamp_count", "stamps_required")
    def _compute_is_stamp_reward_ready(self):
        for card in self:
            card.is_stamp_reward_ready = (
                card.program_id.program_type == "stamp"
                and card.stamp_count >= card.stamps_required
            )

    def _search_cashback_balance(self, operator, value):
        return self._b2b_search_ledger_total("amount", operator, value)

    def _search_stamp_count(self, operator, value):
        return self._b2b_search_ledger_total("stamps", operator, value)

    def _b2b_search_ledger_total(self, column, operator, value):
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
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
        ):
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
        self.env["loyalty.b2b.transaction"].flush_model(["card_id", "stamps"])
        ready = SQL(
            """(SELECT card.id
                  FROM loyalty_b2b_card card
                  JOIN loyalty_b2b_program program ON program.id = card.program_id
             LEFT JOIN loyalty_b2b_transaction entry ON entry.card_id = card.id
                 WHERE program.program_type = 'stamp'
              GROUP BY card.id, program.stamps_required
                HAVING COALESCE(SUM(entry.stamps), 0) >= program.stamps_required)"""
        )
        is_ready = (operator == "=") == value
        return [("id", "in" if is_ready else "not in", ready)]

    def _check_no_other_active_card(self, pairs):
        """Refuse a second active card of a program for a company, before writing
        it: the database's unique index would only give a cryptic error."""
        if not pairs:
            return
        program_ids = {program_id for program_id, _partner_id in pairs}
        partner_ids = {partner_id for _program_id, partner_id in pairs}
        existing = self.search(
            [
                ("state", "=", "active"),
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
                "%(partner)s already has an active card of program %(program)s.",
                partner=partner.display_name,
                program=program.display_name,
            )
        )

    @contextmanager
    def _b2b_guard_active_card_index(self, pairs):
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
        for card in self:
            if not card.program_id._filter_eligible_partners(card.partner_id):
                raise ValidationError(
                    self.env._(
                        "%(partner)s is not eligible for program %(program)s: it "
                        "has none of the program's partner tags.",
                        partner=card.partner_id.display_name,
                        program=card.program_id.display_name,
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
            if vals.get("state", "active") == "active"
        ]
        self._check_no_other_active_card(active_pairs)
        with self._b2b_guard_active_card_index(active_pairs):
            cards = super().create(vals_list)
        cards._b2b_recompute_tiers(initial=True)
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
                if vals.get("state", card.state) == "active"
            ]
            self._check_no_other_active_card(active_pairs)
        with self._b2b_guard_active_card_index(active_pairs):
            res = super().write(vals)
        if "spent_amount" in vals and "tier_id" not in vals:
            self._b2b_apply_written_spend()
        if vals.get("state") == "active":
            self._b2b_recompute_tiers()
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

    # Tier engine ----------------------------------------------------------
    # Spend is one set-based aggregate per program and batch of cards, joined
    # to the cards in the same statement; the cards that changed are updated in
    # one UPDATE. The number of queries never depends on the number of cards.

    def _b2b_create_spend_index(self):
        """Covering partial index of the spend aggregate: customer invoices and
        credit notes only (a fraction of account_move), keyed by company,
        customer and date, carrying the untaxed amount, so that the aggregate of
        a batch of customers is an index-only scan of their documents."""
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS %s ON account_move "
                "(company_id, commercial_partner_id, invoice_date) "
                "INCLUDE (amount_untaxed_signed, id) "
                "WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund')",
                SQL.identifier("account_move_b2b_spend_idx"),
            )
        )

    @api.model
    def _b2b_tier_card_domain(self, date):
        """Cards whose tier the engine keeps up to date on ``date``: active cards
        of running programs that have tiers."""
        return [
            ("state", "=", "active"),
            ("program_id.program_type", "in", TIERED_PROGRAM_TYPES),
            ("program_id.active", "=", True),
            "|",
            ("program_id.date_from", "=", False),
            ("program_id.date_from", "<=", date),
            "|",
            ("program_id.date_to", "=", False),
            ("program_id.date_to", ">=", date),
        ]

    @api.model
    def _b2b_get_spend_window(self, program, date):
        """Window of ``program``'s spend on ``date``: ``(start, date)``, where
        documents dated after ``start`` (excluded) and up to ``date`` (included)
        count. ``start`` is ``date`` minus ``spend_period_months`` months, so a
        document dated exactly that many months ago no longer counts, one dated
        a day later does; ``start`` is False when the window is all time."""
        if not program.spend_period_months:
            return False, date
        return date - relativedelta(months=program.spend_period_months), date

    @api.model
    def _b2b_get_spend_query(self, program, partner_ids, date):
        """SQL returning ``(partner_id, amount)``: qualifying spend in ``program``
        on ``date`` of the commercial partners ``partner_ids``, in company
        currency: untaxed amount of their posted customer invoices minus posted
        credit notes, all contacts included, within the window, cashback
        redemption lines left out; only the lines of products under the
        program's categories when it has some.

        Hook: override to change what counts (keep it one set-based query)."""
        start, end = self._b2b_get_spend_window(program, date)
        partner_ids = sorted(partner_ids)
        conditions = [
            SQL("move.company_id = %s", program.company_id.id),
            SQL("move.state = 'posted'"),
            SQL("move.move_type IN ('out_invoice', 'out_refund')"),
            SQL("move.commercial_partner_id = ANY(%s)", partner_ids),
            # Redundant, but it lets the planner read the spend index over this
            # range of customers only (the nightly batches are ranges).
            SQL(
                "move.commercial_partner_id BETWEEN %s AND %s",
                partner_ids[0],
                partner_ids[-1],
            ),
            SQL("move.invoice_date <= %s", end),
        ]
        if start:
            conditions.append(SQL("move.invoice_date > %s", start))
        if not program.product_category_ids:
            # Cashback spent on a document pays for it, it is not less bought:
            # its redemption lines (debits, rare: read through their index) are
            # added back to the untaxed amount.
            return SQL(
                """SELECT partner_id, SUM(amount) AS amount
                     FROM (SELECT move.commercial_partner_id AS partner_id,
                                  move.amount_untaxed_signed AS amount
                             FROM account_move move
                            WHERE %(conditions)s
                        UNION ALL
                           SELECT move.commercial_partner_id, line.balance
                             FROM account_move_line line
                             JOIN account_move move ON move.id = line.move_id
                            WHERE line.b2b_reward_kind = 'cashback'
                              AND %(conditions)s) document
                 GROUP BY partner_id""",
                conditions=SQL(" AND ").join(conditions),
            )
        categories = self.env["product.category"].search(
            [("id", "child_of", program.product_category_ids.ids)]
        )
        # Income lines are credits: minus the balance is the untaxed amount in
        # company currency, negative on credit notes.
        return SQL(
            """SELECT move.commercial_partner_id AS partner_id,
                      -SUM(line.balance) AS amount
                 FROM account_move move
                 JOIN account_move_line line ON line.move_id = move.id
                 JOIN product_product product ON product.id = line.product_id
                 JOIN product_template template
                      ON template.id = product.product_tmpl_id
                WHERE %s
                  AND line.display_type = 'product'
                  AND line.b2b_reward_kind IS NULL
                  AND template.categ_id = ANY(%s)
             GROUP BY move.commercial_partner_id""",
            SQL(" AND ").join(conditions),
            categories.ids,
        )

    @api.model
    def _b2b_flush_spend_sources(self):
        """Write pending ORM changes the spend queries read."""
        self.env["account.move"].flush_model(
            [
                "state",
                "move_type",
                "company_id",
                "commercial_partner_id",
                "invoice_date",
                "amount_untaxed_signed",
            ]
        )
        self.env["account.move.line"].flush_model(
            ["move_id", "display_type", "product_id", "balance", "b2b_reward_kind"]
        )
        self.env["product.product"].flush_model(["product_tmpl_id"])
        self.env["product.template"].flush_model(["categ_id"])
        self.flush_model(
            [
                "program_id",
                "partner_id",
                "state",
                "spent_amount",
                "tier_id",
                "tier_reached_date",
            ]
        )

    def _b2b_recompute_tiers(self, date=None, initial=False):
        """Recompute spend and tier of the cards in ``self`` as of ``date``
        (default today) and record the tier changes; their notices (chatter
        note, mail, activity) are sent by their own job right after.

        Queries: one listing the cards by program, one per program joining its
        aggregate to its cards, one UPDATE of the cards that changed; plus, only
        when tiers change, the creation of their history. Never a query per
        card. ``initial``: the cards were just created, their first tier is
        recorded as such (noted on the card, not mailed).
        """
        if not self:
            return self.env["loyalty.b2b.tier.history"]
        date = date or fields.Date.context_today(self)
        self._b2b_flush_spend_sources()
        self.env.cr.execute(
            SQL(
                """SELECT program_id, array_agg(id), array_agg(DISTINCT partner_id)
                     FROM loyalty_b2b_card
                    WHERE id = ANY(%s)
                 GROUP BY program_id""",
                self.ids,
            )
        )
        by_program = {
            program_id: (card_ids, partner_ids)
            for program_id, card_ids, partner_ids in self.env.cr.fetchall()
        }
        programs = self.env["loyalty.b2b.program"].browse(by_program)
        states = []
        for program in programs.filtered(
            lambda p: p.program_type in TIERED_PROGRAM_TYPES
        ):
            card_ids, partner_ids = by_program[program.id]
            spend_query = self._b2b_get_spend_query(program, partner_ids, date)
            # Amounts come as whole numbers of the currency's rounding unit,
            # rounded half away from zero in exact decimal arithmetic.
            rounding = program.currency_id.rounding
            self.env.cr.execute(
                SQL(
                    """SELECT card.id, card.partner_id, card.company_id,
                              ROUND(COALESCE(card.spent_amount, 0) / %s)::bigint,
                              card.tier_id, card.tier_reached_date,
                              ROUND(COALESCE(spend.amount, 0) / %s)::bigint
                         FROM loyalty_b2b_card card
                    LEFT JOIN (%s) spend ON spend.partner_id = card.partner_id
                        WHERE card.id = ANY(%s)""",
                    rounding,
                    rounding,
                    spend_query,
                    card_ids,
                )
            )
            states.append((program, self.env.cr.fetchall()))
        return self._b2b_apply_spend(states, date, initial=initial)

    def _b2b_apply_written_spend(self):
        """A spend written through the ORM (corrections, tests): move the tiers
        accordingly, as the engine would."""
        date = fields.Date.context_today(self)
        states = []
        for program, cards in self.grouped("program_id").items():
            if program.program_type not in TIERED_PROGRAM_TYPES:
                continue
            rounding = program.currency_id.rounding
            rows = []
            for card in cards:
                units = int(
                    float_round(card.spent_amount / rounding, precision_digits=0)
                )
                rows.append(
                    (
                        card.id,
                        card.partner_id.id,
                        card.company_id.id,
                        units,
                        card.tier_id.id,
                        card.tier_reached_date,
                        units,
                    )
                )
            states.append((program, rows))
        return self._b2b_apply_spend(states, date)

    def _b2b_apply_spend(self, states, date, initial=False):
        """Store new spends and the tiers they give, in one UPDATE.

        The tier is the highest one whose threshold the spend reaches, except
        that a downgrade waits until the current tier has been held the
        program's ``tier_hold_months`` months since ``tier_reached_date``.

        :param states: ``[(program, rows)]`` with rows ``(card id, partner id,
            company id, stored spend, stored tier id, stored reached date, new
            spend)``, spends as whole numbers of the rounding unit of the
            program's currency (cents): compared exactly, as compare_amounts
            would, without its cost for each card
        :return: the tier history rows created
        """
        updates = []
        history_vals = []
        for program, rows in states:
            rounding = program.currency_id.rounding
            tiers = program.tier_ids.sorted("min_amount")
            tier_ids = tiers.ids
            rank = {tier_id: index for index, tier_id in enumerate(tier_ids)}
            thresholds = [
                int(float_round(tier.min_amount / rounding, precision_digits=0))
                for tier in tiers
            ]
            hold = relativedelta(months=program.tier_hold_months)
            for row in rows:
                card_id, partner_id, company_id, old_units, old_tier_id = row[:5]
                old_reached, units = row[5:]
                # Net refunds never push a company below the entry tier: a
                # negative spend counts as none.
                new_rank = bisect.bisect_right(thresholds, max(units, 0)) - 1
                old_rank = rank.get(old_tier_id)  # None: no tier of this program
                is_downgrade = old_rank is not None and new_rank < old_rank
                if (
                    is_downgrade
                    and program.tier_hold_months
                    and old_reached
                    and date < old_reached + hold
                ):
                    new_rank, is_downgrade = old_rank, False
                tier_id = tier_ids[new_rank] if new_rank >= 0 else None
                if tier_id == old_tier_id and units == old_units:
                    continue
                spend = float_round(units * rounding, precision_rounding=rounding)
                if tier_id == old_tier_id:
                    updates.append((card_id, spend, tier_id, old_reached))
                    continue
                updates.append((card_id, spend, tier_id, date))
                if initial and not old_tier_id:
                    change = "initial"
                elif is_downgrade:
                    change = "downgrade"
                else:
                    change = "upgrade"
                history_vals.append(
                    {
                        "card_id": card_id,
                        "program_id": program.id,
                        "partner_id": partner_id,
                        "company_id": company_id,
                        "date": date,
                        "old_tier_id": old_tier_id,
                        "new_tier_id": tier_id,
                        "change": change,
                        "spent_amount": spend,
                    }
                )
        if not updates:
            return self.env["loyalty.b2b.tier.history"]
        card_ids, spends, tier_ids, reached_dates = zip(*updates, strict=True)
        self.env.cr.execute(
            SQL(
                """UPDATE loyalty_b2b_card card
                      SET spent_amount = new.spent_amount,
                          tier_id = new.tier_id,
                          tier_reached_date = new.tier_reached_date,
                          write_uid = %s,
                          write_date = %s
                     FROM unnest(%s::int[], %s::numeric[], %s::int[], %s::date[])
                          AS new(id, spent_amount, tier_id, tier_reached_date)
                    WHERE card.id = new.id""",
                self.env.uid,
                self.env.cr.now(),
                list(card_ids),
                list(spends),
                list(tier_ids),
                list(reached_dates),
            )
        )
        # The UPDATE bypassed the ORM: drop what the cache knew and let the
        # fields computed from spend and tier (percentages...) follow.
        cards = self.browse(card_ids)
        fnames = ["spent_amount", "tier_reached_date", "write_uid", "write_date"]
        cards.invalidate_recordset([*fnames, "tier_id"])
        cards.modified(fnames)
        self.browse(vals["card_id"] for vals in history_vals).modified(["tier_id"])
        if not history_vals:
            return self.env["loyalty.b2b.tier.history"]
        # sudo: the engine runs for whoever posts an invoice; the history is
        # its own record of what it did. Chatter notes, mails and activities
        # follow in their own job (see loyalty.b2b.tier.history).
        history = self.env["loyalty.b2b.tier.history"].sudo().create(history_vals)
        history._b2b_trigger_notifications()
        return history

    @api.model
    def _cron_b2b_recompute_tiers(
        self, batch_size=TIER_BATCH_SIZE, auto_commit=None, date=None
    ):
        """Nightly: recompute every tiered card, as the spend windows move.

        Batches of ``batch_size`` cards, each one transaction (set-based, see
        ``_b2b_recompute_tiers``), with progress reported to the scheduler.
        ``auto_commit`` (default: not under test) commits after each batch;
        ``date``: the day to compute for, default today.
        """
        if auto_commit is None:
            auto_commit = not getattr(threading.current_thread(), "testing", False)
        today = date or fields.Date.context_today(self)
        # By customer: each batch is a range of customers, whose documents
        # the spend aggregate reads from one range of its index.
        card_ids = self.search(
            self._b2b_tier_card_domain(today), order="partner_id, id"
        ).ids
        done, total = 0, len(card_ids)
        cron = self.env["ir.cron"]
        cron._notify_progress(done=0, remaining=total)
        for batch in split_every(batch_size, card_ids, self.browse):
            batch._b2b_recompute_tiers(today)
            done += len(batch)
            cron._notify_progress(done=done, remaining=total - done)
            if auto_commit:
                # One transaction per batch: a failure or a timeout later in
                # the night keeps the batches already done (the scheduler sees
                # the progress), the card rows of a batch stay locked only for
                # one batch (an invoice posted meanwhile for one of its
                # customers waits that long at most), and the notices job can
                # start on the changes already recorded. The recomputation is
                # idempotent: a batch redone after a crash does no harm.
                self.env.cr.commit()  # pylint: disable=invalid-commit
                self.env.invalidate_all()
        return done

    @api.model
    def _get_active_cards(self, partners, date=None):
        """Active cards of the partners' companies whose program runs on ``date``."""
        date = date or fields.Date.context_today(self)
        cards = self.search(
            [
                ("partner_id", "in", partners.commercial_partner_id.ids),
                ("state", "=", "active"),
            ]
        )
        return cards.filtered(lambda card: card.program_id._is_valid_on(date))

    # ------------------------------------------------------------------
    # Sales: card ranking, cashback committed on orders, locking
    # ------------------------------------------------------------------

    cashback_committed = fields.Monetary(
        compute="_compute_cashback_available",
        help="Cashback spent on confirmed sales orders whose invoice is not "
        "posted yet.",
    )
    cashback_available = fields.Monetary(
        compute="_compute_cashback_available",
        help="Balance minus the cashback committed on confirmed orders: what a "
        "new order may still spend.",
    )

    def _compute_cashback_available(self):
        committed = self._b2b_get_committed_cashback()
        for card in self:
            card.cashback_committed = committed.get(card, 0.0)
            card.cashback_available = card.cashback_balance - card.cashback_committed

    def _b2b_invalidate_cashback_available(self):
        """Forget the committed and available cashback computed so far in this
        transaction: orders were confirmed or cancelled, invoices posted."""
        self.invalidate_recordset(["cashback_committed", "cashback_available"])

    def _b2b_get_committed_cashback(self):
        """``{card: amount}``: cashback of the redemption lines of confirmed
        orders not yet on a posted invoice, in company currency (posting the
        invoice writes the ledger's ``redeem`` entry instead)."""
        # sudo: the order lines spending the cashback of cards the user reads.
        lines = (
            self.env["sale.order.line"]
            .sudo()
            .search(
                [
                    ("b2b_reward_kind", "=", "cashback"),
                    ("state", "=", "sale"),
                    ("order_id.b2b_card_id", "in", self.ids),
                ]
            )
        )
        committed = {}
        for line in lines:
            if not line.product_uom_qty:
                continue
            open_ratio = 1.0 - line.qty_invoiced_posted / line.product_uom_qty
            if open_ratio <= 0.0:
                continue
            order = line.order_id
            card = order.b2b_card_id
            committed[card] = committed.get(card, 0.0) + order.currency_id._convert(
                -line.price_subtotal * open_ratio,
                card.currency_id,
                card.company_id,
                order.date_order,
            )
        return {
            card: card.currency_id.round(amount) for card, amount in committed.items()
        }

    def _b2b_fetch_confirmation_fields(self):
        """Read at once what confirming orders reads of these cards and their
        programs (validity, type, stamp rules, the ledger's partner and company).

        Only these fields: fetching the whole card and program takes twice as
        long, and confirmation is the hot path of sales.
        """
        self.fetch(["state", "program_id", "partner_id", "company_id"])
        self.program_id.fetch(
            [
                "active",
                "date_from",
                "date_to",
                "program_type",
                "stamp_min_amount",
                "stamps_required",
            ]
        )

    def _b2b_get_benefit_rank(self):
        """Sort key of the benefit a card gives an order, highest first: its
        discount and cashback percentages, then its program's sequence."""
        self.ensure_one()
        return (
            self.discount_percent + self.cashback_percent,
            -self.program_id.sequence,
            -self.program_id.id,
        )

    def _b2b_lock(self):
        """Serialize the transactions that spend these cards' stamps or cashback.

        Odoo runs at REPEATABLE READ: two transactions that each check a balance
        summed from ledger rows, then insert their own, never conflict and can
        overdraw it together (write skew). Updating the card rows, not merely
        locking them, makes the second transaction wait for the first and then
        fail with a serialization error; Odoo retries the request on a fresh
        snapshot, which sees what the first one spent.
        """
        if self.ids:
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET write_date = write_date WHERE id IN %s",
                    SQL.identifier(self._table),
                    tuple(sorted(self.ids)),
                )
            )
