#!/usr/bin/env python3
"""What installing loyalty_b2b adds to the confirmation of a sales order, and
how it compares with Odoo's own loyalty cards.

Usage (from the repository root)::

    python3 scripts/bench_order_confirm.py [-d DB] [--bare-database DB0]
        [--native-database DBN] [--rounds 15] [--repeat 3] [--lines 20]
        [--keep] [--strict]

Three databases are compared: ``DB`` (default ``loyalty_b2b_bench_confirm``)
has loyalty_b2b installed, ``DB0`` (default ``DB`` + ``_bare``) only the
add-on's dependencies, ``DBN`` (default ``DB`` + ``_native``) the dependencies
and Odoo's ``sale_loyalty``, without the add-on. A database that does not exist
is created without demo data and dropped at the end (``--keep`` keeps it); the
data the benchmark creates in an existing one are rolled back.

Each round confirms one order of ``--lines`` lines (two units of each product)
in every case below, in a rotating order, each from a cold cache as a request
would, as a salesperson (Sales / User) with the user's context:

* ``bare``: Odoo without the add-on, the reference;
* ``native``: Odoo's own loyalty card (``sale_loyalty``), the peer: a "Loyalty
  Cards" program, automatic, on current and future orders, one point per
  currency unit spent, the customer holding a card with points; the quotation
  has its points computed (``_update_programs_and_rewards()``, as the
  Promotions button does), confirmation computes them again (Odoo's
  ``action_confirm`` does) and adds them to the card;
* the add-on installed: a customer without a card, with a discount card, an
  accumulating discount card (7 % tier), a cashback card, a stamp card (the
  order earns a stamp), with three cards (discount, stamp and cashback, all on
  the order: the discount on the lines, a stamp earned; target <= 1.25 to the
  bare order);
* spending, for information: an order taking a stamp reward, an order using
  cashback (the card is locked and its balance checked).

Every confirmation with the add-on is grouped with one without it and one with
Odoo's loyalty card, run right before or after it (in each of the six orders in
turn): the group shares the state of the machine, and the databases grow alike
(a database that grows faster gets slower queries: comparing an add-on database
that confirms several orders a round with a bare one that confirms one would
charge the add-on for it). The ratio of a case is the median, over the rounds,
of its time divided by its group's bare (or native) time, each side being its
best of ``--repeat`` confirmations made in turns (a shared machine slows some
down by more than the add-on costs). Targets for every card type: ratio <= 1.15
to the bare order, < 1.00 to the order with Odoo's loyalty card. The script
also checks that a card adds the same number of queries to orders of N and 2N
lines (no per-line query) and prints the best and median times and the SQL
queries of each case. ``--strict`` exits with 1 when a target is missed.
"""

import argparse
import gc
import itertools
import os
import statistics
import sys
import time

from bench_common import boot_odoo, drop_database, prepare_database, vacuum_analyze

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDON = "loyalty_b2b"
NATIVE_MODULE = "sale_loyalty"
# With every ledger row written by create() and checked by the guard.
TARGET_RATIO = 1.15
TARGET_NATIVE = 1.00
# A company holding three cards (discount, stamp, cashback), all on the order.
TARGET_THREE_CARDS = 1.25
# The references: Odoo without the add-on, and with its own loyalty card.
REFERENCES = ("bare", "native")
# (case, label, targets: (ratio to the bare order, to the native one) or None)
HELD = (TARGET_RATIO, TARGET_NATIVE)
CASES = [
    ("bare", "without the add-on", None),
    ("native", "Odoo's loyalty card", None),
    ("none", "no card", HELD),
    ("discount", "discount card", HELD),
    ("accumulative", "accumulating card", HELD),
    ("cashback", "cashback card", HELD),
    ("stamp", "stamp card (earns)", HELD),
    ("three_cards", "three cards", (TARGET_THREE_CARDS, None)),
    ("stamp_reward", "stamp reward (spends)", None),
    ("cashback_spend", "cashback used (spends)", None),
]
ADDON_CASES = [case for case, *_ in CASES if case not in REFERENCES]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-d", "--database", default="loyalty_b2b_bench_confirm")
    parser.add_argument("--bare-database")
    parser.add_argument("--native-database")
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds")
    parser.add_argument("--warmup", type=int, default=2, help="untimed rounds")
    parser.add_argument(
        "--repeat", type=int, default=3, help="confirmations per side of a pair"
    )
    parser.add_argument("--lines", type=int, default=20, help="lines per order")
    parser.add_argument("--keep", action="store_true", help="keep created databases")
    parser.add_argument("--strict", action="store_true")
    args, odoo_args = parser.parse_known_args()
    args.bare_database = args.bare_database or f"{args.database}_bare"
    args.native_database = args.native_database or f"{args.database}_native"
    return args, odoo_args


class Bench:
    """The data of one database and the confirmation of its orders."""

    def __init__(self, registry, lines):
        from odoo import SUPERUSER_ID, api

        self.cr = registry.cursor()
        admin = api.Environment(self.cr, SUPERUSER_ID, {})
        self.admin = admin
        self.products = self._create_products(admin, 2 * lines)
        user = admin["res.users"].create(
            {
                "name": "Benchmark salesperson",
                "login": "loyalty_b2b_bench_salesperson",
                "groups_id": [
                    (6, 0, [admin.ref("sales_team.group_sale_salesman_all_leads").id])
                ],
                "tz": "Europe/Brussels",
            }
        )
        # As a request: the user, with the context the web client sends.
        self.env = api.Environment(self.cr, user.id, {})
        self.env = self.env(context=self.env["res.users"].context_get())
        self.customers = {}

    @staticmethod
    def _create_products(env, count):
        categ = env["product.category"].create({"name": "Benchmark products"})
        return env["product.product"].create(
            [
                {
                    "name": f"Benchmark product {index}",
                    "type": "consu",
                    "list_price": 10.0 + index,
                    "categ_id": categ.id,
                }
                for index in range(count)
            ]
        )

    def add_customer(self, case):
        self.customers[case] = self.admin["res.partner"].create(
            {"name": f"Benchmark customer ({case})", "is_company": True}
        )
        return self.customers[case]

    def create_order(self, case, size):
        from odoo import Command

        order = self.env["sale.order"].create(
            {
                "partner_id": self.customers[case].id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 2})
                    for product in self.products[:size]
                ],
            }
        )
        if case == "native":
            # The quotation with its points, as the Promotions button leaves it.
            order._update_programs_and_rewards()
        elif case == "stamp_reward":
            order.action_b2b_add_stamp_reward()
        elif case == "cashback_spend":
            order.b2b_apply_cashback(10.0)
        return order

    def confirm(self, order):
        """Seconds and SQL queries to confirm ``order`` from a cold cache."""
        env = self.env
        env.flush_all()
        env.invalidate_all()
        # As timeit does: no collection of the garbage of other runs (tens of
        # milliseconds in a process holding a registry) in the timed run.
        gc.collect()
        # The survivors (registries, caches) are frozen: the next collections
        # skip them, else each would take longer than a confirmation.
        gc.freeze()
        gc.disable()
        try:
            queries = self.cr.sql_log_count
            start = time.perf_counter()
            order.action_confirm()
            env.flush_all()
            elapsed = time.perf_counter() - start
        finally:
            gc.enable()
        return elapsed, self.cr.sql_log_count - queries

    def close(self):
        self.cr.rollback()
        self.cr.close()


def setup_addon_cases(bench):
    """Customers with one card of each type (and the spending ones)."""
    from odoo import Command

    env = bench.admin
    Program = env["loyalty.b2b.program"]
    Card = env["loyalty.b2b.card"]
    categ = bench.products.categ_id
    reward = bench.products[0]
    programs = Program.create(
        [
            {
                "name": "Benchmark discount",
                "program_type": "discount",
                "discount_percent": 10,
                "product_category_ids": [Command.set(categ.ids)],
            },
            {
                "name": "Benchmark accumulating",
                "program_type": "accumulative",
                "tier_ids": [
                    Command.create(
                        {"name": "Silver", "min_amount": 0, "discount_percent": 3}
                    ),
                    Command.create(
                        {"name": "Gold", "min_amount": 10000, "discount_percent": 7}
                    ),
                ],
            },
            {
                "name": "Benchmark cashback",
                "program_type": "cashback",
                "tier_ids": [
                    Command.create(
                        {"name": "Base", "min_amount": 0, "cashback_percent": 2}
                    )
                ],
            },
            {
                "name": "Benchmark stamps",
                "program_type": "stamp",
                "stamps_required": 1000,
                "stamp_min_amount": 1,
                "stamp_reward_product_id": reward.id,
            },
            {
                "name": "Benchmark stamp rewards",
                "program_type": "stamp",
                "stamps_required": 1,
                "stamp_min_amount": 1,
                "stamp_reward_product_id": reward.id,
            },
        ]
    )
    by_case = dict(
        zip(
            ("discount", "accumulative", "cashback", "stamp", "stamp_reward"),
            programs,
            strict=True,
        )
    )
    by_case["cashback_spend"] = by_case["cashback"]
    cards = {}
    for case, program in by_case.items():
        partner = bench.add_customer(case)
        cards[case] = Card.create({"program_id": program.id, "partner_id": partner.id})
    bench.add_customer("none")
    # Discount, stamp and cashback cards on one order; the discount card's
    # discount on the lines.
    partner = bench.add_customer("three_cards")
    three = Card.create(
        [
            {"program_id": by_case[case].id, "partner_id": partner.id}
            for case in ("discount", "stamp", "cashback")
        ]
    )
    cards["three_cards"] = three[0]
    cards["accumulative"].spent_amount = 12000.0  # Gold: 7 %
    ledger = env["loyalty.b2b.transaction"]
    ledger.create(
        {"card_id": cards["stamp_reward"].id, "kind": "adjust", "stamps": 1000}
    )
    # Cashback moves with its journal entry: through an adjustment.
    for card in (cards["cashback"], cards["cashback_spend"], three[2]):
        ledger._adjust_cashback(card, 1e6, "Benchmark balance")
    env.flush_all()
    return cards


def setup_native_case(bench):
    """Odoo's own loyalty card: one point per currency unit spent, on the order
    and the next ones, the customer holding a card that has points already."""
    from odoo import Command

    env = bench.admin
    program = env["loyalty.program"].create(
        {
            "name": "Benchmark loyalty card",
            "program_type": "loyalty",
            "trigger": "auto",
            "applies_on": "both",
            "rule_ids": [
                Command.clear(),
                Command.create(
                    {"reward_point_mode": "money", "reward_point_amount": 1}
                ),
            ],
            "reward_ids": [
                Command.clear(),
                Command.create(
                    {"reward_type": "discount", "discount": 5, "required_points": 200}
                ),
            ],
        }
    )
    partner = bench.add_customer("native")
    card = env["loyalty.card"].create(
        {"program_id": program.id, "partner_id": partner.id, "points": 100}
    )
    env.flush_all()
    return card


def check_native(bench, card):
    """Odoo's loyalty card applies: the quotation gets its points, and
    confirmation adds them to the card."""
    order = bench.create_order("native", 1)
    before = card.points
    order.action_confirm()
    order.env.flush_all()
    entry = order.coupon_point_ids
    if entry.coupon_id != card or not entry.points:
        sys.exit("Benchmark setup error: Odoo's loyalty card gave the order no points.")
    if order.currency_id.compare_amounts(card.points - before, entry.points):
        sys.exit("Benchmark setup error: confirmation did not add the points.")


def check_cards(bench, cards):
    """Each case's order gets the card meant for it."""
    for case in ADDON_CASES:
        order = bench.create_order(case, 1)
        if order.b2b_card_id != cards.get(case, order.b2b_card_id.browse()):
            sys.exit(f"Benchmark setup error: the {case} order got the wrong card.")


def measure(benches, args):
    """Times and queries per case over the rounds.

    Each confirmation in the add-on's database is grouped with one in the bare
    database and one in the database with Odoo's loyalty card, run right before
    or after it (the six orders in turn): the databases then grow alike, and a
    group shares the state of the machine."""
    cases = ADDON_CASES
    times = {case: [] for case, *_ in CASES}
    queries = {case: [] for case, *_ in CASES}
    references = {ref: {case: [] for case in cases} for ref in REFERENCES}
    orders = list(itertools.permutations(("bare", "case", "native")))
    for index in range(args.warmup + args.rounds):
        shift = index % len(cases)
        for position, case in enumerate(cases[shift:] + cases[:shift]):
            group = [
                case if run_case == "case" else run_case
                for run_case in orders[(index + position) % len(orders)]
            ]
            runs = best_of(benches, group, args)
            if index < args.warmup:
                continue
            for label, (elapsed, count) in runs.items():
                times[label].append(elapsed)
                queries[label].append(count)
            for ref in REFERENCES:
                references[ref][case].append(runs[ref][0])
    return times, references, queries, queries_by_size(benches, args)


def best_of(benches, group, args):
    """``{case: (seconds, queries)}``: the best of --repeat confirmations of
    each case of ``group``, in turns: an interrupted run does not decide."""
    tries = {case: [] for case in group}
    for _attempt in range(args.repeat):
        for case in group:
            bench = benches[case]
            tries[case].append(bench.confirm(bench.create_order(case, args.lines)))
    return {case: min(results) for case, results in tries.items()}


def queries_by_size(benches, args):
    """``{lines: {case: queries}}`` of orders of N and 2N lines."""
    return {
        size: {
            case: benches[case].confirm(benches[case].create_order(case, size))[1]
            for case, *_ in CASES
        }
        for size in (args.lines, 2 * args.lines)
    }


def median_ratio(times, reference_times):
    return statistics.median(
        run / reference for run, reference in zip(times, reference_times, strict=True)
    )


def ratios_to(times, references, ref):
    """``{case: ratio}``: the median ratio of each case to the reference
    ``ref`` ("bare" or "native") of its group."""
    ratios = {
        case: median_ratio(times[case], references[ref][case]) for case in ADDON_CASES
    }
    ratios[ref] = 1.0
    for other in REFERENCES:
        if other != ref:
            # Both references confirm in every group: their times pair up.
            ratios[other] = median_ratio(times[other], times[ref])
    return ratios


def report(args, times, references, queries, counts):
    to_bare = ratios_to(times, references, "bare")
    to_native = ratios_to(times, references, "native")
    print(
        f"\nConfirming a sales order of {args.lines} lines, {args.rounds} rounds "
        f"(databases {args.database}, {args.bare_database} and "
        f"{args.native_database}):"
    )
    print(
        f"  {'case':<24}{'best ms':>9}{'median ms':>11}{'queries':>9}"
        f"{'ratio':>8}{'vs no card':>12}{'vs native':>11}"
    )
    met_bare = met_native = True
    for case, label, targets in CASES:
        # The card's own share: the add-on installed, with a card / without.
        versus_no_card = (
            f"{to_bare[case] / to_bare['none']:12.3f}"
            if case in ADDON_CASES and case != "none"
            else " " * 12
        )
        mark = "" if case == "bare" else "  (information)"
        if targets:
            bare_target, native_target = targets
            bare_ok = to_bare[case] <= bare_target
            native_ok = native_target is None or to_native[case] < native_target
            met_bare &= bare_ok
            met_native &= native_ok
            mark = "  " + " ".join(
                "ok" if met else "OVER" for met in (bare_ok, native_ok)
            )
        print(
            f"  {label:<24}{min(times[case]) * 1000:9.1f}"
            f"{statistics.median(times[case]) * 1000:11.1f}"
            f"{statistics.median(queries[case]):9.0f}{to_bare[case]:8.3f}"
            f"{versus_no_card}{to_native[case]:11.3f}{mark}"
        )
    print(
        "  ratio: median over the rounds of the time / the time without the "
        "add-on in its group;\n  vs no card: ratio / the ratio of an order "
        "without a card (the add-on installed in both);\n  vs native: median of "
        "the time / the time with Odoo's loyalty card in its group;\n  ok/OVER: "
        "the targets below, ratio then vs native."
    )
    print(
        f"Target: every card type <= {TARGET_RATIO:.2f} of the confirmation "
        f"without the add-on: {'met' if met_bare else 'MISSED'}"
    )
    print(
        f"Target: three cards on one order <= {TARGET_THREE_CARDS:.2f} of the "
        "confirmation without the add-on (included above)"
    )
    print(
        f"Target: every card type < {TARGET_NATIVE:.2f} of the confirmation "
        f"with Odoo's loyalty card: {'met' if met_native else 'MISSED'}"
    )
    per_line = report_queries(counts)
    return met_bare and met_native and not per_line


def report_queries(counts):
    """Print the queries a card adds to orders of N and 2N lines; return
    whether they grow with the lines."""
    small, big = sorted(counts)
    per_line = False
    labels = {case: label for case, label, _held in CASES}
    for case in ADDON_CASES[1:]:
        extra = {size: counts[size][case] - counts[size]["none"] for size in counts}
        per_line |= extra[small] != extra[big]
        print(
            f"  queries added to an order without a card, {labels[case]}: "
            f"{extra[small]:+d} on {small} lines, {extra[big]:+d} on {big} lines"
        )
    print(
        "Per-line queries: "
        + ("FOUND (the card's queries grow with the lines)" if per_line else "none")
    )
    for case in REFERENCES:
        print(
            f"  queries of an order, {labels[case]}: {counts[small][case]} on "
            f"{small} lines, {counts[big][case]} on {big} lines"
        )
    return per_line


def main():
    args, odoo_args = parse_args()
    odoo = boot_odoo(REPO, *odoo_args)
    from odoo.modules.module import get_manifest
    from odoo.modules.registry import Registry

    dependencies = get_manifest(ADDON)["depends"]
    databases = {
        "addon": (args.database, [ADDON]),
        "bare": (args.bare_database, dependencies),
        "native": (args.native_database, [*dependencies, NATIVE_MODULE]),
    }
    created = [
        name
        for name, modules in databases.values()
        if prepare_database(odoo, name, modules, absent=[ADDON, NATIVE_MODULE])
    ]
    opened = []
    try:
        for name, _modules in databases.values():
            vacuum_analyze(odoo, name)
        bare = Bench(Registry(args.bare_database), args.lines)
        opened.append(bare)
        bare.add_customer("bare")
        native = Bench(Registry(args.native_database), args.lines)
        opened.append(native)
        check_native(native, setup_native_case(native))
        addon = Bench(Registry(args.database), args.lines)
        opened.append(addon)
        cards = setup_addon_cases(addon)
        check_cards(addon, cards)
        benches = {case: addon for case in ADDON_CASES}
        benches.update(bare=bare, native=native)
        times, references, queries, counts = measure(benches, args)
        # Printed before the databases are dropped: a failing drop loses nothing.
        ok = report(args, times, references, queries, counts)
    finally:
        for bench in opened:
            bench.close()
        if not args.keep:
            for name in created:
                drop_database(odoo, name)
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
