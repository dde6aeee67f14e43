#!/usr/bin/env python3
"""What a cashback card adds to posting customer invoices.

Usage (from the repository root)::

    python3 scripts/bench_invoice_post.py [-d DB] [--batches 3] [--warmup 1]
        [--batch-size 200] [--lines 5,20] [--customers 50] [--orm-drafts]
        [--keep] [--strict]

``DB`` (default ``loyalty_b2b_bench_post``) has loyalty_b2b installed; it is
created without demo data when it does not exist and dropped at the end
(``--keep`` keeps it); the data the benchmark creates in an existing one are
rolled back. The company gets Odoo's generic chart of accounts if it has none,
hence the add-on's cashback accounts and journal.

Two sets of ``--customers`` customer companies: the first hold an active card
of a cashback program (one tier, 2 %), so that every invoice earns cashback (a
journal entry and a ledger row each, and the spend and tier of the cards
recomputed); the second hold no card. Each batch is ``--batch-size`` customer
invoices of the same ``--lines`` lines (two units of a product each, the
company's sales tax), spread over one set's customers, created in draft and
posted with one ``action_post()``, as a billing user (Invoicing / Billing) with
the user's context, from a cold cache as a request would. The drafts are SQL
copies of one the ORM made for each size, the customer changed: creating them
through the ORM takes longer than posting them (``--orm-drafts`` does, to
check that the figures do not change).

Each batch with cards is paired with a batch without, posted right before or
after it (alternately): both share the state of the machine, and their
invoices make the database grow alike. The ratio is the median over the pairs
of the posting time with cards divided by the time without (target <= 1.5);
the script prints it with the SQL queries per invoice of each side, for
invoices of each number of lines (the queries a card adds must not grow with
the lines), and the queries and time per invoice of each part of the add-on's
posting over the same batches. ``--warmup`` pairs of small batches of each
size, not timed, come first. ``--strict`` exits with 1 when a target is
missed.
"""

import argparse
import functools
import gc
import itertools
import os
import statistics
import sys
import time

from bench_common import boot_odoo, drop_database, prepare_database, vacuum_analyze

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDON = "loyalty_b2b"
TARGET_RATIO = 1.5
SIDES = [("none", "no card"), ("card", "cashback card")]
# Methods of the add-on's posting whose queries are counted (the outermost call
# of each: posting the cashback entries posts moves again): model, method and
# the label printed, indented under the hook that calls it.
PARTS = [
    ("account.move", "_b2b_prepare_cashback_redemption", "redemption lines"),
    ("account.move", "_b2b_on_posted", "after posting (_b2b_on_posted)"),
    ("account.move", "_b2b_get_earning_cards", "  earning cards"),
    ("account.move", "_b2b_create_cashback_moves", "  cashback entries"),
    ("loyalty.b2b.transaction", "create", "  ledger rows"),
    ("account.move", "_b2b_cashback_refund", "  credit notes"),
    ("account.move", "_b2b_cashback_redeem", "  redemptions"),
    ("account.move", "_b2b_refresh_card_tiers", "  card tiers"),
]
# The add-on's hooks around Odoo's own posting (the other parts run in them).
HOOKS = [PARTS[0], PARTS[1]]
WARMUP_SIZE = 20


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-d", "--database", default="loyalty_b2b_bench_post")
    parser.add_argument(
        "--batches", type=int, default=3, help="timed pairs of batches per size"
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=1,
        help=f"untimed pairs of batches of {WARMUP_SIZE} invoices per size",
    )
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument(
        "--lines",
        type=lambda value: [int(size) for size in value.split(",")],
        default=[5, 20],
        help="lines per invoice, comma-separated sizes",
    )
    parser.add_argument("--customers", type=int, default=50, help="per side")
    parser.add_argument(
        "--orm-drafts",
        action="store_true",
        help="create each draft with the ORM instead of copying one (slow)",
    )
    parser.add_argument("--keep", action="store_true", help="keep a created database")
    parser.add_argument("--strict", action="store_true")
    return parser.parse_known_args()


class Bench:
    """The data of the database and the posting of its invoices."""

    def __init__(self, registry, args):
        from odoo import SUPERUSER_ID, api

        self.args = args
        self.cr = registry.cursor()
        self.admin = api.Environment(self.cr, SUPERUSER_ID, {})
        company = self.admin.company
        if not company.chart_template:
            self.admin["account.chart.template"].try_loading(
                "generic_coa", company, install_demo=False
            )
        # Loading a chart sets them up; an existing database may predate it.
        company._b2b_setup_loyalty_accounting()
        self.products = self.admin["product.product"].create(
            [
                {"name": f"Benchmark product {index}", "list_price": 10.0 + index}
                for index in range(max(args.lines))
            ]
        )
        user = self.admin["res.users"].create(
            {
                "name": "Benchmark billing user",
                "login": "loyalty_b2b_bench_billing",
                "groups_id": [
                    (6, 0, [self.admin.ref("account.group_account_invoice").id])
                ],
                "tz": "Europe/Brussels",
            }
        )
        # As a request: the user, with the context the web client sends.
        self.env = api.Environment(self.cr, user.id, {})
        self.env = self.env(context=self.env["res.users"].context_get())
        self.customers = {
            side: self.admin["res.partner"].create(
                [
                    {
                        "name": f"Benchmark customer {index} ({label})",
                        "is_company": True,
                    }
                    for index in range(args.customers)
                ]
            )
            for side, label in SIDES
        }
        self.cards = self._create_cards(self.customers["card"])
        self.batch_count = 0
        self.templates = {}

    def _create_cards(self, partners):
        from odoo import Command

        program = self.admin["loyalty.b2b.program"].create(
            {
                "name": "Benchmark cashback",
                "program_type": "cashback",
                "tier_ids": [
                    Command.create(
                        {"name": "Base", "min_amount": 0, "cashback_percent": 2}
                    )
                ],
            }
        )
        return self.admin["loyalty.b2b.card"].create(
            [
                {"program_id": program.id, "partner_id": partner.id}
                for partner in partners
            ]
        )

    def create_invoices(self, side, size, count):
        """``count`` draft invoices of ``size`` lines for ``side``'s customers:
        copies of an invoice the ORM made, or made by the ORM each."""
        customers = self.customers[side]
        self.batch_count += 1
        partners = [
            customers[(self.batch_count + index) % len(customers)]
            for index in range(count)
        ]
        if self.args.orm_drafts:
            return self._create_drafts(partners, size)
        if size not in self.templates:
            # Its own customer, and never posted: only its copies are.
            template_customer = self.admin["res.partner"].create(
                {"name": "Benchmark template customer", "is_company": True}
            )
            self.templates[size] = self._create_drafts([template_customer], size)
        return copy_moves(self.env, self.templates[size], partners)

    def _create_drafts(self, partners, size):
        from odoo import Command, fields

        today = fields.Date.context_today(self.env.user)
        invoices = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": today,
                    "invoice_line_ids": [
                        Command.create({"product_id": product.id, "quantity": 2})
                        for product in self.products[:size]
                    ],
                }
                for partner in partners
            ]
        )
        self.env.flush_all()
        return invoices

    def post(self, invoices):
        """Seconds, SQL queries and the ``PartCounter`` of posting ``invoices``
        from a cold cache."""
        env = self.env
        env.flush_all()
        env.invalidate_all()
        # The garbage of the drafts' creation is not the posting's; the
        # posting's own is (a batch takes seconds, the collector runs in it).
        gc.collect()
        with PartCounter(self) as parts:
            queries = self.cr.sql_log_count
            start = time.perf_counter()
            invoices.action_post()
            env.flush_all()
            elapsed = time.perf_counter() - start
        return elapsed, self.cr.sql_log_count - queries, parts

    def check(self, side, invoices):
        """Every invoice of a card's customer earned, none of the others."""
        earned = self.admin["loyalty.b2b.transaction"].search_count(
            [("invoice_id", "in", invoices.ids), ("kind", "=", "earn")]
        )
        posted = all(state == "posted" for state in invoices.mapped("state"))
        expected = len(invoices) if side == "card" else 0
        if not posted or earned != expected:
            sys.exit(
                f"Benchmark error: {earned} of {len(invoices)} invoices "
                f"({side}) earned cashback, {expected} expected."
            )

    def close(self):
        self.cr.rollback()
        self.cr.close()


def copy_moves(env, template, partners):
    """Copies of the draft ``template`` (rows of the move, of its lines and of
    their many2many relations), one for each of ``partners``, inserted with
    SQL: the ORM takes several times as long to create a draft invoice as to
    post it. The partner columns are the only ones that change (customer
    companies without contacts, same fiscal position, terms and accounts)."""
    from odoo.tools import SQL

    cr = env.cr
    env.flush_all()
    lines = template.line_ids
    move_ids = new_ids(cr, "account_move", len(partners))
    line_ids = new_ids(cr, "account_move_line", len(partners) * len(lines))
    # (new id, template id, new move, partner, its name) of every row.
    move_rows = [
        (move_id, template.id, move_id, partner.id, partner.display_name)
        for move_id, partner in zip(move_ids, partners, strict=True)
    ]
    line_rows = [
        (line_id, line.id, *move_row[2:])
        for line_id, (move_row, line) in zip(
            line_ids, itertools.product(move_rows, lines), strict=True
        )
    ]
    partner = SQL("new.partner_id")
    for model, rows, overrides in (
        (
            "account.move",
            move_rows,
            {
                "partner_id": partner,
                "commercial_partner_id": partner,
                "partner_shipping_id": partner,
                "invoice_partner_display_name": SQL("new.partner_name"),
            },
        ),
        (
            "account.move.line",
            line_rows,
            {"move_id": SQL("new.move_id"), "partner_id": partner},
        ),
    ):
        copy_rows(cr, env[model], rows, overrides)
    env.invalidate_all()
    return env["account.move"].browse(move_ids)


def new_ids(cr, table, count):
    cr.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, count],
    )
    return [row[0] for row in cr.fetchall()]


def copy_rows(cr, records, rows, overrides):
    """Insert ``rows`` (new id, id copied, move, partner, partner's name) of
    the table of ``records``, and of its many2many relations."""
    from odoo.tools import SQL

    table = records._table
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s "
        "AND column_name != 'id'",
        [table],
    )
    columns = [row[0] for row in cr.fetchall()]
    new = SQL(
        "unnest(%s::int[], %s::int[], %s::int[], %s::int[], %s::varchar[]) "
        "AS new(id, old_id, move_id, partner_id, partner_name)",
        *(list(column) for column in zip(*rows, strict=True)),
    )
    cr.execute(
        SQL(
            "INSERT INTO %s (id, %s) SELECT new.id, %s FROM %s old "
            "JOIN %s ON old.id = new.old_id",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(column) for column in columns),
            SQL(", ").join(
                overrides.get(column, SQL.identifier("old", column))
                for column in columns
            ),
            SQL.identifier(table),
            new,
        )
    )
    for field in records._fields.values():
        if field.type == "many2many" and field.store:
            cr.execute(
                SQL(
                    "INSERT INTO %s (%s, %s) SELECT new.id, rel.%s FROM %s rel "
                    "JOIN %s ON rel.%s = new.old_id",
                    SQL.identifier(field.relation),
                    SQL.identifier(field.column1),
                    SQL.identifier(field.column2),
                    SQL.identifier(field.column2),
                    SQL.identifier(field.relation),
                    new,
                    SQL.identifier(field.column1),
                )
            )


class PartCounter:
    """Queries and time of the outermost call of each method of ``PARTS``,
    wrapped on the registry's model classes while the counter is open (each is
    called a few times per batch, not per invoice: the wrapping costs
    microseconds)."""

    def __init__(self, bench):
        self.bench = bench
        self.queries = dict.fromkeys(PARTS, 0)
        self.seconds = dict.fromkeys(PARTS, 0.0)
        self.depth = dict.fromkeys(PARTS, 0)
        self.saved = []

    def __enter__(self):
        for part in PARTS:
            model, name, _label = part
            cls = type(self.bench.admin[model])
            self.saved.append((cls, name, cls.__dict__.get(name)))
            setattr(cls, name, self._wrap(part, getattr(cls, name)))
        return self

    def __exit__(self, *exc):
        for cls, name, own in reversed(self.saved):
            if own is None:
                delattr(cls, name)
            else:
                setattr(cls, name, own)

    def _wrap(self, part, method):
        cr = self.bench.cr

        @functools.wraps(method)
        def wrapper(records, *args, **kwargs):
            self.depth[part] += 1
            queries, start = cr.sql_log_count, time.perf_counter()
            try:
                return method(records, *args, **kwargs)
            finally:
                self.depth[part] -= 1
                if not self.depth[part]:
                    self.seconds[part] += time.perf_counter() - start
                    self.queries[part] += cr.sql_log_count - queries

        return wrapper


def measure(bench, args):
    """``{(size, side): [(seconds, queries, parts)]}`` over the timed pairs."""
    runs = {}
    for size in args.lines:
        for side, _label in SIDES:
            runs[size, side] = []
        for index in range(args.warmup + args.batches):
            timed = index >= args.warmup
            count = args.batch_size if timed else WARMUP_SIZE
            pair = [side for side, _label in SIDES]
            if index % 2:
                pair.reverse()
            # Both drafts first: the two postings run back to back.
            drafts = {side: bench.create_invoices(side, size, count) for side in pair}
            for side in pair:
                result = bench.post(drafts[side])
                bench.check(side, drafts[side])
                if timed:
                    runs[size, side].append(result)
    return runs


def report(args, runs):
    per_invoice = args.batch_size
    print(
        f"\nPosting customer invoices in batches of {args.batch_size}, "
        f"{args.batches} pairs of batches per size (database {args.database}, "
        f"{args.customers} customers per side):"
    )
    print(
        f"  {'lines':>5}  {'customers':<15}{'best s':>8}{'median s':>10}"
        f"{'ms/invoice':>12}{'queries/inv.':>14}{'ratio':>8}"
    )
    ok = True
    added = {}
    for size in args.lines:
        none_runs, card_runs = runs[size, "none"], runs[size, "card"]
        ratio = statistics.median(
            card[0] / none[0] for card, none in zip(card_runs, none_runs, strict=True)
        )
        queries = {
            side: statistics.median(run[1] for run in runs[size, side]) / per_invoice
            for side, _label in SIDES
        }
        added[size] = queries["card"] - queries["none"]
        met = ratio <= TARGET_RATIO
        ok &= met
        for side, label in SIDES:
            seconds = [run[0] for run in runs[size, side]]
            ratio_text = (
                f"{ratio:8.3f}  {'ok' if met else 'OVER TARGET'}"
                if side == "card"
                else f"{1:8.3f}"
            )
            print(
                f"  {size:5d}  {label:<15}{min(seconds):8.2f}"
                f"{statistics.median(seconds):10.2f}"
                f"{statistics.median(seconds) * 1000 / per_invoice:12.1f}"
                f"{queries[side]:14.2f}{ratio_text}"
            )
    print(
        "  ratio: median over the pairs of the posting time with cards / the "
        "time without."
    )
    print(
        f"Target: posting with cashback cards <= {TARGET_RATIO:.2f} of the "
        f"posting without: {'met' if ok else 'MISSED'}"
    )
    print(
        "Queries per invoice the card adds: "
        + ", ".join(f"{added[size]:+.2f} on {size} lines" for size in args.lines)
    )
    # Counts per batch are whole numbers: a query per line would add at least
    # one per invoice for each added line.
    per_line = max(added.values()) - min(added.values()) >= 1
    print(
        "Per-line queries: "
        + ("FOUND (the card's queries grow with the lines)" if per_line else "none")
    )
    report_parts(args, runs)
    return ok and not per_line


def report_parts(args, runs):
    """Queries and milliseconds per invoice of each part of the posting, over
    the timed batches."""
    invoices = args.batches * args.batch_size
    for size in args.lines:
        print(
            f"By part, per invoice, {size} lines (outermost calls; a part's "
            "writes may run in a later one's flush):"
        )
        print(f"  {'':<36}" + "".join(f"{label:>18}" for _s, label in SIDES))
        print(f"  {'part':<36}" + f"{'queries':>10}{'ms':>8}" * len(SIDES))
        rows = {"posting, all": [], "Odoo's posting and the flush": []}
        rows.update({label: [] for *_method, label in PARTS})
        for side, _label in SIDES:
            side_runs = runs[size, side]
            total = [sum(run[index] for run in side_runs) for index in (0, 1)]
            by_part = {
                part: (
                    sum(run[2].queries[part] for run in side_runs),
                    sum(run[2].seconds[part] for run in side_runs),
                )
                for part in PARTS
            }
            rows["posting, all"].append((total[1], total[0]))
            rows["Odoo's posting and the flush"].append(
                (
                    total[1] - sum(by_part[part][0] for part in HOOKS),
                    total[0] - sum(by_part[part][1] for part in HOOKS),
                )
            )
            for part in PARTS:
                rows[part[2]].append(by_part[part])
        for name, cells in rows.items():
            print(
                f"  {name:<36}"
                + "".join(
                    f"{queries / invoices:10.2f}{seconds * 1000 / invoices:8.2f}"
                    for queries, seconds in cells
                )
            )


def main():
    args, odoo_args = parse_args()
    odoo = boot_odoo(REPO, *odoo_args)
    from odoo.modules.registry import Registry

    created = prepare_database(odoo, args.database, [ADDON])
    bench = None
    try:
        vacuum_analyze(odoo, args.database)
        bench = Bench(Registry(args.database), args)
        runs = measure(bench, args)
        # Printed before the database is dropped: a failing drop loses nothing.
        ok = report(args, runs)
    finally:
        if bench:
            bench.close()
        if created and not args.keep:
            drop_database(odoo, args.database)
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
