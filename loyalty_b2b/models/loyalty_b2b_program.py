import ast

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import float_compare, ormcache

from .loyalty_b2b_card import CURRENT_CARD_STATES
from .number_checks import check_finite_values

# Fields that decide which programs enrol companies automatically, and in
# which order (cached).
AUTO_ENROLL_FIELDS = {"enrolment", "active", "company_id", "sequence"}
# Account types an accountant would accept for each role of a cashback program.
REBATE_ACCOUNT_TYPES = ("income", "income_other", "expense", "expense_direct_cost")
LIABILITY_ACCOUNT_TYPES = ("liability_current",)
BREAKAGE_ACCOUNT_TYPES = ("income", "income_other")
ACCOUNT_FIELDS = ("rebate_account_id", "liability_account_id", "breakage_account_id")
# What the journal entries of a cashback program were posted with.
ACCOUNTING_FIELDS = ("journal_id", *ACCOUNT_FIELDS)


class LoyaltyB2bProgram(models.Model):
    _name = "loyalty.b2b.program"
    _description = "B2B Loyalty Program"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    program_type = fields.Selection(
        [
            ("discount", "Discount card"),
            ("accumulative", "Accumulating discount card"),
            ("cashback", "Cashback card"),
            ("stamp", "Stamp card"),
        ],
        string="Type",
        required=True,
        default="discount",
    )
    date_from = fields.Date(string="Valid From")
    date_to = fields.Date(string="Valid Until")
    discount_percent = fields.Float(
        string="Discount (%)", digits="Discount", help="Discount of a discount card."
    )
    combine_discounts = fields.Boolean(
        string="Combines with Other Cards",
        help="Its discount is added (as a further discount) to the discount of "
        "the customer's best card on the same order. Off: on an order with "
        "several discount cards, only the one giving the most applies.",
    )
    tier_ids = fields.One2many("loyalty.b2b.tier", "program_id", string="Tiers")
    spend_period_months = fields.Integer(
        string="Spend Window (months)",
        default=12,
        help="Rolling window of company spend that decides the tier, ending "
        "today. 0 counts all time.",
    )
    tier_hold_months = fields.Integer(
        string="Tier Hold (months)",
        default=0,
        help="A card keeps a tier it reached for at least this many months "
        "before it can move down, even if its spend falls. 0: tiers follow the "
        "spend at once.",
    )
    stamps_required = fields.Integer(
        default=10, help="Stamps a card must collect to earn the reward."
    )
    stamp_min_amount = fields.Monetary(
        string="Minimum Order for a Stamp",
        help="Minimum untaxed order amount that earns a stamp.",
    )
    stamp_reward_product_id = fields.Many2one(
        "product.product",
        string="Stamp Reward",
        check_company=True,
        help="Product or service (training, consulting...) given free of charge "
        "when the stamps are collected.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Cashback Journal",
        compute="_compute_journal_id",
        store=True,
        readonly=False,
        check_company=True,
        domain="[('type', '=', 'general')]",
    )
    rebate_account_id = fields.Many2one(
        "account.account",
        compute="_compute_accounts",
        store=True,
        readonly=False,
        check_company=True,
        help="Debited when cashback is earned: a contra-revenue 'Sales rebates' "
        "account by default, an expense account if the company's policy says so.",
    )
    liability_account_id = fields.Many2one(
        "account.account",
        compute="_compute_accounts",
        store=True,
        readonly=False,
        check_company=True,
        help="Current, reconcilable liability holding the cashback owed.",
    )
    breakage_account_id = fields.Many2one(
        "account.account",
        compute="_compute_accounts",
        store=True,
        readonly=False,
        check_company=True,
        help="Income account credited when cashback expires unused.",
    )
    cashback_redemption_product_id = fields.Many2one(
        "product.product",
        string="Redemption Product",
        check_company=True,
        default=lambda self: self.env.ref(
            "loyalty_b2b.product_cashback_redemption", raise_if_not_found=False
        ),
        help="Service product of the lines that spend cashback on an order.",
    )
    cashback_validity_months = fields.Integer(
        string="Cashback Validity (months)",
        help="Earned cashback not spent within this period expires. 0 = never.",
    )
    partner_category_ids = fields.Many2many(
        "res.partner.category",
        string="Eligible Partner Tags",
        help="Companies with one of these tags may hold a card. Empty: all.",
    )
    partner_domain = fields.Char(
        string="Eligible Companies",
        default="[]",
        help="Only companies matching this filter may hold a card (on top of "
        "the partner tags). Empty: all.",
    )
    product_category_ids = fields.Many2many(
        "product.category",
        string="Eligible Product Categories",
        help="Only products of these categories (and their children) count and "
        "get the benefit. Empty: all products.",
    )
    enrolment = fields.Selection(
        [
            ("manual", "Manual"),
            ("automatic", "Automatic at first order"),
            ("invitation", "By invitation"),
            ("signup", "Online sign-up"),
            ("paid", "Paid membership"),
        ],
        string="Entry Method",
        required=True,
        default="manual",
        help="How a company gets a card. Manual: a salesperson issues it. "
        "Automatic: at the company's first confirmed order. By invitation: the "
        "company accepts an invitation emailed by its salesperson. Online "
        "sign-up: the company applies on the program's public page and a "
        "salesperson approves. Paid membership: the card starts when its "
        "membership fee is paid.",
    )
    color = fields.Integer()
    logo = fields.Image(max_width=256, max_height=256)
    card_ids = fields.One2many("loyalty.b2b.card", "program_id", string="Cards")
    card_count = fields.Integer(compute="_compute_card_count")

    @api.depends("company_id")
    def _compute_journal_id(self):
        for program in self:
            if not program.journal_id or program.journal_id.company_id != (
                program.company_id
            ):
                program.journal_id = program.company_id.b2b_loyalty_journal_id
            else:
                program.journal_id = program.journal_id

    @api.depends("company_id")
    def _compute_accounts(self):
        # Defaults come from the company settings; a program may override them.
        for program in self:
            company = program.company_id
            for fname in ACCOUNT_FIELDS:
                account = program[fname]
                if not account or company not in account.company_ids:
                    program[fname] = company["b2b_" + fname]
                else:
                    program[fname] = account

    def _compute_card_count(self):
        counts = dict(
            self.env["loyalty.b2b.card"]._read_group(
                [("program_id", "in", self.ids)], ["program_id"], ["__count"]
            )
        )
        for program in self:
            program.card_count = counts.get(program, 0)

    @api.constrains("discount_percent")
    def _check_discount_percent(self):
        for program in self:
            if not 0 <= program.discount_percent <= 100:
                raise ValidationError(
                    self.env._(
                        "The discount of program %(program)s must be between 0 "
                        "and 100%%.",
                        program=program.name,
                    )
                )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for program in self:
            if (
                program.date_from
                and program.date_to
                and program.date_to < program.date_from
            ):
                raise ValidationError(
                    self.env._(
                        "Program %(program)s ends before it starts.",
                        program=program.name,
                    )
                )

    @api.constrains("spend_period_months", "cashback_validity_months")
    def _check_months(self):
        for program in self:
            if program.spend_period_months < 0 or program.cashback_validity_months < 0:
                raise ValidationError(
                    self.env._(
                        "Spend window and cashback validity of program "
                        "%(program)s cannot be negative.",
                        program=program.name,
                    )
                )

    @api.constrains("partner_domain")
    def _check_partner_domain(self):
        for program in self:
            try:
                domain = program._get_partner_domain()
                # sudo: only the validity of the filter is tested; in a
                # savepoint, since a bad value may fail in the database.
                with self.env.cr.savepoint():
                    self.env["res.partner"].sudo().search_count(domain, limit=1)
            # Any error (syntax, field, operator, value) means an invalid filter.
            except Exception as error:
                raise ValidationError(
                    self.env._(
                        "The eligible companies filter of program %(program)s is "
                        "not a valid partner domain: %(error)s",
                        program=program.name,
                        error=error,
                    )
                ) from error

    @api.constrains("tier_hold_months")
    def _check_tier_hold_months(self):
        for program in self:
            if program.tier_hold_months < 0:
                raise ValidationError(
                    self.env._(
                        "The tier hold of program %(program)s cannot be negative.",
                        program=program.name,
                    )
                )

    @api.constrains(
        "program_type", "stamps_required", "stamp_reward_product_id", "stamp_min_amount"
    )
    def _check_stamp_settings(self):
        for program in self.filtered(lambda p: p.program_type == "stamp"):
            if program.stamps_required < 1:
                raise ValidationError(
                    self.env._(
                        "Stamp program %(program)s needs at least one stamp for "
                        "its reward.",
                        program=program.name,
                    )
                )
            if not program.stamp_reward_product_id:
                raise ValidationError(
                    self.env._(
                        "Stamp program %(program)s needs a reward product.",
                        program=program.name,
                    )
                )
            if float_compare(program.stamp_min_amount, 0.0, 2) < 0:
                raise ValidationError(
                    self.env._(
                        "The minimum order for a stamp of program %(program)s "
                        "cannot be negative.",
                        program=program.name,
                    )
                )

    @api.constrains(
        "active",
        "program_type",
        "journal_id",
        "rebate_account_id",
        "liability_account_id",
        "breakage_account_id",
    )
    def _check_cashback_accounting(self):
        for program in self:
            if program.program_type == "cashback" and program.active:
                missing = [
                    program._fields[fname]._description_string(self.env)
                    for fname in (
                        "journal_id",
                        "rebate_account_id",
                        "liability_account_id",
                    )
                    if not program[fname]
                ]
                if missing:
                    raise ValidationError(
                        self.env._(
                            "Cashback program %(program)s cannot be active without "
                            "%(fields)s. Set them on the program or as defaults in "
                            "Sales settings (B2B Loyalty).",
                            program=program.name,
                            fields=", ".join(missing),
                        )
                    )
            program._check_own_accounting_types()

    @api.model
    def _check_accounting_types(self, company, journal, rebate, liability, breakage):
        """Raise a clear error if a loyalty journal or account cannot do its job."""
        if journal and journal.type != "general":
            raise ValidationError(
                self.env._(
                    "The loyalty journal %(journal)s must be a miscellaneous journal.",
                    journal=journal.display_name,
                )
            )
        checks = (
            (rebate, REBATE_ACCOUNT_TYPES, self.env._("an income or expense account")),
            (
                liability,
                LIABILITY_ACCOUNT_TYPES,
                self.env._("a reconcilable current liability account"),
            ),
            (breakage, BREAKAGE_ACCOUNT_TYPES, self.env._("an income account")),
        )
        for account, types, expected in checks:
            if account and account.account_type not in types:
                raise ValidationError(
                    self.env._(
                        "Account %(account)s cannot be used here: %(expected)s "
                        "is expected.",
                        account=account.display_name,
                        expected=expected,
                    )
                )
        if liability and not liability.reconcile:
            raise ValidationError(
                self.env._(
                    "The cashback liability account %(account)s must allow "
                    "reconciliation.",
                    account=liability.display_name,
                )
            )

    def _check_own_accounting_types(self):
        """The program's journal and accounts can each do their job."""
        self.ensure_one()
        self._check_accounting_types(
            self.company_id,
            self.journal_id,
            self.rebate_account_id,
            self.liability_account_id,
            self.breakage_account_id,
        )

    def _check_accounts_after_change(self):
        """Check the journal and accounts of these programs again, naming the
        program: they themselves changed (type, reconciliation, companies)."""
        for program in self:
            journal = program.journal_id
            if journal and journal.company_id != program.company_id:
                raise ValidationError(
                    self.env._(
                        "Journal %(journal)s is used by program %(program)s: it "
                        "must stay in the program's company %(company)s.",
                        journal=journal.display_name,
                        program=program.display_name,
                        company=program.company_id.display_name,
                    )
                )
            try:
                program._check_own_accounting_types()
            except ValidationError as error:
                raise ValidationError(
                    self.env._(
                        "This change breaks program %(program)s. %(reason)s",
                        program=program.display_name,
                        reason=error.args[0],
                    )
                ) from error
            for fname in ACCOUNT_FIELDS:
                account = program[fname]
                if account and program.company_id not in account.company_ids:
                    raise ValidationError(
                        self.env._(
                            "Account %(account)s is used by program %(program)s: "
                            "it must stay available in the program's company "
                            "%(company)s.",
                            account=account.display_name,
                            program=program.display_name,
                            company=program.company_id.display_name,
                        )
                    )

    @api.model_create_multi
    def create(self, vals_list):
        check_finite_values(self, vals_list)
        self._check_line_numbers(vals_list)
        programs = super().create(vals_list)
        if any(program.enrolment == "automatic" for program in programs):
            self.env.registry.clear_cache()
        return programs

    def write(self, vals):
        check_finite_values(self, [vals])
        self._check_line_numbers([vals])
        self._check_company_frozen(vals)
        self._check_accounting_frozen(vals)
        # The cache of enrolling programs changes only when an enrolling
        # program changes, or a program starts enrolling.
        if AUTO_ENROLL_FIELDS & vals.keys() and (
            vals.get("enrolment") == "automatic"
            or any(program.enrolment == "automatic" for program in self)
        ):
            self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        if any(program.enrolment == "automatic" for program in self):
            self.env.registry.clear_cache()
        return super().unlink()

    @api.model
    def _check_line_numbers(self, vals_list):
        """The numbers of the lines (tiers...) created or written with the
        program, checked before anything reads them: precomputed fields build
        the whole program, lines included, before the lines' own checks."""
        for fname, field in self._fields.items():
            if field.type != "one2many":
                continue
            lines = self.env[field.comodel_name]
            for vals in vals_list:
                for command in vals.get(fname) or ():
                    if (
                        isinstance(command, (list, tuple))
                        and len(command) == 3
                        and isinstance(command[2], dict)
                    ):
                        check_finite_values(lines, [command[2]])

    def _check_company_frozen(self, vals):
        """Refuse to move a program with cards to another company: the cards
        would follow, their ledger entries and journal entries would not."""
        if "company_id" not in vals:
            return
        moving = self.filtered(
            lambda program: program.company_id.id != vals["company_id"]
        )
        if not moving:
            return
        # sudo: every card counts, also those the user cannot read.
        with_cards = (
            self.env["loyalty.b2b.card"]
            .sudo()
            ._read_group([("program_id", "in", moving.ids)], ["program_id"])
        )
        if with_cards:
            raise UserError(
                self.env._(
                    "Program %(program)s already has cards: its company can no "
                    "longer change. Create a program in the other company "
                    "instead.",
                    program=with_cards[0][0].display_name,
                )
            )

    def _check_accounting_frozen(self, vals):
        """Refuse to change the journal or an account of a program once journal
        entries were posted for it (setting one that was empty is allowed):
        reversals, expiries and the liability report go on with the ones its
        entries used. A change of company would recompute them all."""
        fnames = [fname for fname in ACCOUNTING_FIELDS if fname in vals]
        changed = {}
        for program in self:
            if "company_id" in vals and program.company_id.id != vals["company_id"]:
                changed[program.id] = ["company_id", *ACCOUNTING_FIELDS]
                continue
            program_fnames = [
                fname
                for fname in fnames
                if program[fname] and program[fname].id != vals[fname]
            ]
            if program_fnames:
                changed[program.id] = program_fnames
        posted = self.browse(changed)._get_programs_with_entries()
        if posted:
            program = posted[0]
            raise UserError(
                self.env._(
                    "Journal entries were already posted for program %(program)s: "
                    "its %(fields)s can no longer change. To use others, create "
                    "a new program and move the customers' cards and balances to "
                    "it by adjustments.",
                    program=program.display_name,
                    fields=", ".join(
                        self._fields[fname]._description_string(self.env)
                        for fname in changed[program.id]
                    ),
                )
            )

    def _get_programs_with_entries(self):
        """Those of these programs for which journal entries exist: posted by
        the ledger, or referenced by its entries."""
        if not self:
            return self
        # sudo: every journal entry counts, whoever writes the program; the
        # search is limited to these programs.
        moves = (
            self.env["account.move"]
            .sudo()
            ._read_group([("b2b_program_id", "in", self.ids)], ["b2b_program_id"])
        )
        entries = (
            self.env["loyalty.b2b.transaction"]
            .sudo()
            ._read_group(
                [("program_id", "in", self.ids), ("move_id", "!=", False)],
                ["program_id"],
            )
        )
        return self.browse(
            {program.id for (program,) in moves}
            | {program.id for (program,) in entries}
        )

    @api.model
    def _get_auto_enroll_programs(self, companies):
        """Active automatic-enrolment programs running in ``companies`` (theirs
        and their parent companies', see
        ``res.company._b2b_get_program_companies``), in sudo (the enrolment is
        the program's rule, not the user's choice)."""
        return self.sudo().browse(
            program_id
            for company in companies._b2b_get_program_companies()
            for program_id in self._get_auto_enroll_program_ids(company.id)
        )

    @api.model
    @ormcache("company_id")
    def _get_auto_enroll_program_ids(self, company_id):
        # Asked at every order confirmation, changed rarely: cached, and the
        # cache cleared when a program's enrolment, archiving or company changes.
        programs = (
            self.sudo()
            .with_context(active_test=True)
            .search([("enrolment", "=", "automatic"), ("company_id", "=", company_id)])
        )
        return tuple(programs.ids)

    @api.model
    def _get_programs_using(self, records, fnames):
        """Every program whose fields ``fnames`` hold one of ``records``: in
        sudo and archived ones included, since a rule about the records holds
        for every program using them, in every company, whoever changes them."""
        domain = expression.OR([[(fname, "in", records.ids)] for fname in fnames])
        return self.sudo().with_context(active_test=False).search(domain)

    def _is_valid_on(self, date):
        self.ensure_one()
        return (
            self.active
            and (not self.date_from or self.date_from <= date)
            and (not self.date_to or date <= self.date_to)
        )

    def _get_partner_domain(self):
        """The program's ``partner_domain`` as a domain (a list); ``[]`` when
        empty. Raises ValueError, SyntaxError or TypeError if it is not a
        literal list."""
        self.ensure_one()
        domain = ast.literal_eval((self.partner_domain or "").strip() or "[]")
        if not isinstance(domain, list | tuple):
            raise TypeError(self.env._("a list of conditions is expected"))
        return list(domain)

    def _get_segment_domain(self):
        """Hook: the partner domain of the companies in this program's segment
        (its partner tags and its partner domain); ``[]`` when every company is.
        The one definition, for the eligibility check and the control group."""
        self.ensure_one()
        tag_domain = (
            [("category_id", "in", self.partner_category_ids.ids)]
            if self.partner_category_ids
            else []
        )
        # expression.AND of empty domains is not empty ([(1, '=', 1)]): a
        # program without restriction must cost no search.
        parts = [part for part in (tag_domain, self._get_partner_domain()) if part]
        return expression.AND(parts) if parts else []

    def _filter_segment_partners(self, partners):
        """Commercial partners of ``partners`` in this program's segment: one
        search for all of them, none when the program has no restriction."""
        self.ensure_one()
        commercial = partners.commercial_partner_id
        if not commercial:
            return commercial
        domain = self._get_segment_domain()
        if not domain:
            return commercial
        # sudo: the segment is the program's rule, not what the user may read;
        # the search is limited to the given partners (archived ones included).
        found = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search(expression.AND([[("id", "in", commercial.ids)], domain]))
        )
        found_ids = set(found.ids)
        return commercial.filtered(lambda partner: partner.id in found_ids)

    def _filter_eligible_partners(self, partners):
        """Commercial partners of ``partners`` that may hold a card of this
        program: THE eligibility check (segment by partner tags and partner
        domain; pilots restrict it further, see loyalty_b2b_program_pilot.py).
        Call it with all the partners at once: it runs one search per program."""
        self.ensure_one()
        return self._filter_segment_partners(partners)

    def _split_enrolment_candidates(self, companies):
        """``(holders, ineligible)`` among ``companies`` (commercial partners):
        those already holding a current (active or pending) card of this
        program, and those its eligibility leaves out. What the issue-card and
        invitation wizards skip, in two queries whatever the number."""
        self.ensure_one()
        holders = (
            self.env["loyalty.b2b.card"]
            .search(
                [
                    ("program_id", "=", self.id),
                    ("partner_id", "in", companies.ids),
                    ("state", "in", CURRENT_CARD_STATES),
                ]
            )
            .partner_id
        )
        ineligible = companies - holders - self._filter_eligible_partners(companies)
        return holders, ineligible

    def _get_eligible_categories(self):
        """The product categories whose products count for (and benefit from)
        this program: its categories and their children; empty when every
        product does. The one definition, for the Python and the SQL paths."""
        self.ensure_one()
        if not self.product_category_ids:
            return self.env["product.category"]
        return (
            self.env["product.category"]
            .sudo()
            .search([("id", "child_of", self.product_category_ids.ids)])
        )

    def _filter_eligible_products(self, products):
        """Products that count for (and benefit from) this program."""
        self.ensure_one()
        if not self.product_category_ids:
            return products
        categories = self._get_eligible_categories()
        return products.filtered(lambda product: product.categ_id in categories)

    def action_view_cards(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_card_action"
        )
        action["domain"] = [("program_id", "=", self.id)]
        action["context"] = {"default_program_id": self.id}
        return action
