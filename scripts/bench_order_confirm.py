#!/usr/bin/env python3
"""Time the confirmation of a sales order with and without a loyalty card.

Usage (the database must have loyalty_b2b installed):

    python3 scripts/bench_order_confirm.py -d DATABASE [--orders 30] [--lines 20]

The script creates its own customers, products, programs, cards and orders,
confirms each order in a fresh cache (as a request would), and prints the
median and best times and the SQL query count of a confirmation without a card,
with a discount card
and with a stamp card (which writes a ledger entry), and the ratios of the best
times to the one without a card. Target: ratio <= 1.10. It also checks that the card
adds the same number of queries to orders of N and 2N lines: no per-line query.
Everything it creates is rolled back at the end. Extra Odoo options (such as
--db_host) are passed through; --strict exits with 1 when a target is missed.
"""

import argparse
import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_RATIO = 1.10


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--orders", type=int, default=30, help="timed runs per case")
    parser.add_argument("--lines", type=int, default=20, help="lines per order")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--strict", action="store_true")
    return parser.parse_known_args()


def build_data(env, lines):
    """Customers (one without card, one per card type) and ``lines`` products."""
    from odoo import Command

    customers = env["res.partner"].create(
        [
            {"name": f"Benchmark customer {kind}", "is_company": True}
            for kind in ("none", "discount", "stamp")
        ]
    )
    categ = env["product.category"].create({"name": "Benchmark products"})
    products = env["product.product"].create(
        [
            {
                "name": f"Benchmark product {index}",
                "type": "consu",
                "list_price": 10.0 + index,
                "categ_id": categ.id,
            }
            for index in range(2 * lines)
        ]
    )
    discount_program, stamp_program = env["loyalty.b2b.program"].create(
        [
            {
                "name": "Benchmark discount",
                "program_type": "discount",
                "discount_percent": 10,
                "product_category_ids": [Command.set(categ.ids)],
            },
            {
                "name": "Benchmark stamps",
                "program_type": "stamp",
                "stamps_required": 1000,
                "stamp_min_amount": 1,
                "stamp_reward_product_id": products[0].id,
            },
        ]
    )
    env["loyalty.b2b.card"].create(
        [
            {"program_id": discount_program.id, "partner_id": customers[1].id},
            {"program_id": stamp_program.id, "partner_id": customers[2].id},
        ]
    )
    return dict(zip(("none", "discount", "stamp"), customers, strict=True)), products


def create_order(env, customer, products):
    from odoo import Command

    return env["sale.order"].create(
        {
            "partner_id": customer.id,
            "order_line": [
                Command.create({"product_id": product.id, "product_uom_qty": 2})
                for product in products
            ],
        }
    )


def time_confirmation(env, order):
    """Seconds and queries to confirm ``order`` from a cold cache."""
    env.flush_all()
    env.invalidate_all()
    cr = env.cr
    queries = cr.sql_log_count
    start = time.perf_counter()
    order.action_confirm()
    env.flush_all()
    elapsed = time.perf_counter() - start
    return elapsed, cr.sql_log_count - queries


def expected_card(env, order, kind):
    card = order.b2b_card_id
    if (card.program_type or "none") != kind:
        sys.exit(
            f"Benchmark setup error: the {kind} order got card {card.display_name}"
        )


def run(env, args):
    customers, products = build_data(env, args.lines)
    kinds = list(customers)
    runs = {kind: [] for kind in kinds}
    queries = {kind: [] for kind in kinds}
    for index in range(args.warmup + args.orders):
        # Rotate the cases so that drift of a busy machine hits all of them.
        for kind in kinds[index % 3 :] + kinds[: index % 3]:
            order = create_order(env, customers[kind], products[: args.lines])
            expected_card(env, order, kind)
            elapsed, count = time_confirmation(env, order)
            if index >= args.warmup:
                runs[kind].append(elapsed)
                queries[kind].append(count)
    # Queries the card adds, on orders of N and 2N lines.
    extra = {}
    for size in (args.lines, 2 * args.lines):
        counts = {}
        for kind in kinds:
            order = create_order(env, customers[kind], products[:size])
            counts[kind] = time_confirmation(env, order)[1]
        extra[size] = {kind: counts[kind] - counts["none"] for kind in kinds[1:]}
    return runs, queries, extra


def report(args, runs, queries, extra):
    labels = {
        "none": "without a card",
        "discount": "with a discount card",
        "stamp": "with a stamp card",
    }
    base = min(runs["none"])
    print(
        f"Confirming a sales order of {args.lines} lines, {args.orders} runs each "
        f"(database {args.database}); the ratio compares the best runs, which a "
        f"busy machine disturbs least:"
    )
    ok = True
    for kind, label in labels.items():
        best = min(runs[kind])
        line = (
            f"  {label:<22} best {best * 1000:6.1f} ms, median "
            f"{statistics.median(runs[kind]) * 1000:6.1f} ms, "
            f"{statistics.median(queries[kind]):3.0f} queries"
        )
        if kind != "none":
            ratio = best / base
            ok &= ratio <= TARGET_RATIO
            line += f"  ratio {ratio:.3f}"
        print(line)
    print(f"Target: ratio <= {TARGET_RATIO:.2f}: {'met' if ok else 'MISSED'}")
    small, big = sorted(extra)
    for kind in ("discount", "stamp"):
        print(
            f"  queries added {labels[kind]}: {extra[small][kind]:+d} on {small} "
            f"lines, {extra[big][kind]:+d} on {big} lines"
        )
    per_line = any(extra[small][kind] != extra[big][kind] for kind in extra[small])
    print(
        "Per-line queries: "
        + ("FOUND (the card's queries grow with the lines)" if per_line else "none")
    )
    return ok and not per_line


def main():
    args, odoo_args = parse_args()
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(
        ["-d", args.database, f"--addons-path={REPO}", "--log-level=warn", *odoo_args]
    )
    odoo.netsvc.init_logger()
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if not env["ir.module.module"].search_count(
            [("name", "=", "loyalty_b2b"), ("state", "=", "installed")]
        ):
            sys.exit(f"loyalty_b2b is not installed in database {args.database}.")
        try:
            runs, queries, extra = run(env, args)
        finally:
            # Leave the database as it was.
            cr.rollback()
    ok = report(args, runs, queries, extra)
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
