"""What the benchmark scripts share: booting Odoo from this repository, and
creating, checking, vacuuming and dropping their databases."""

import contextlib
import logging
import sys


def boot_odoo(addons_path, *odoo_args):
    """Odoo configured for a benchmark: this add-on path, no demo data, warnings
    only; ``odoo_args``: more command-line options (``--db_host``…)."""
    import odoo
    from odoo.tools import config

    config.parse_config(
        [
            f"--addons-path={addons_path}",
            "--log-level=warn",
            "--without-demo=all",
            *odoo_args,
        ]
    )
    odoo.netsvc.init_logger()
    logging.getLogger("odoo").setLevel(logging.WARNING)
    return odoo


def database_exists(odoo, name):
    with contextlib.closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return bool(cr.fetchone())


def vacuum_analyze(odoo, name, tables=""):
    """VACUUM ANALYZE ``tables`` (all by default): fresh statistics and the
    visibility map that index-only scans rely on, as autovacuum would give a
    live database. VACUUM cannot run in a transaction: autocommit."""
    with contextlib.closing(odoo.sql_db.db_connect(name).cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(f"VACUUM ANALYZE {tables}")


def prepare_database(odoo, name, modules, absent=()):
    """Create ``name`` with ``modules`` (no demo data) unless it exists; return
    whether it was created. An existing database must have ``modules``
    installed and none of ``absent``."""
    from odoo.modules.registry import Registry

    if database_exists(odoo, name):
        checked = sorted({*modules, *absent})
        with Registry(name).cursor() as cr:
            cr.execute(
                "SELECT name FROM ir_module_module WHERE state = 'installed' "
                "AND name = ANY(%s)",
                [checked],
            )
            installed = {row[0] for row in cr.fetchall()}
        if installed != set(modules):
            sys.exit(
                f"Database {name} must have {sorted(modules)} installed and "
                f"nothing else of {checked}; it has {sorted(installed)}."
            )
        return False
    print(f"Creating database {name} with {', '.join(modules)}...", flush=True)
    odoo.service.db._create_empty_database(name)
    odoo.tools.config["init"] = dict.fromkeys(modules, 1)
    Registry.new(name, update_module=True)
    odoo.tools.config["init"] = {}
    return True


def drop_database(odoo, name):
    odoo.modules.registry.Registry.delete(name)
    odoo.service.db.exp_drop(name)
