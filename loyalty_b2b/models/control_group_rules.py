"""The control group of a pilot: a stratified random draw by spend decile, kept
apart from the ORM so that it reads (and is tested) as the rule it is.

1. Strata: the spend deciles of every eligible company (the pilot companies
   and the candidates together). Companies without spend (none, or net
   refunds) form their own stratum, decile 0; the others, sorted by spend
   (then id), are cut into ten groups of (nearly) equal size, deciles 1 to 10.
2. The pilot companies are counted per decile.
3. In each decile, as many candidates as pilot companies are drawn at random
   with ``random.Random(seed)``, over the candidates sorted by id: the same
   seed and the same candidates always give the same group.
4. A decile with too few candidates borrows the missing ones from its
   neighbours, nearest first (one below, one above, two below...), once every
   decile has taken its own.

The group has the size of the pilot when there are enough candidates, and then
the same number of companies in each decile as the pilot when every decile has
enough; otherwise every candidate that can be matched is taken.
"""

import random

# Stratum of the companies without spend.
NO_SPEND_DECILE = 0
DECILES = 10


def assign_deciles(spend_by_id):
    """``{id: decile}``: decile 0 for a spend of 0 or less, 1 (lowest) to 10
    (highest) for the others, by rank of spend (ties by id)."""
    deciles = {key: NO_SPEND_DECILE for key, spend in spend_by_id.items() if spend <= 0}
    spending = sorted(
        (key for key, spend in spend_by_id.items() if spend > 0),
        key=lambda key: (spend_by_id[key], key),
    )
    count = len(spending)
    for rank, key in enumerate(spending):
        deciles[key] = 1 + rank * DECILES // count
    return deciles


def neighbour_deciles(decile):
    """Deciles nearest to ``decile`` first, alternately below and above."""
    for distance in range(1, DECILES + 1):
        for neighbour in (decile - distance, decile + distance):
            if NO_SPEND_DECILE <= neighbour <= DECILES:
                yield neighbour


def draw_control_group(pilot_deciles, candidate_deciles, seed):
    """Draw the control group: ``[(candidate id, its decile)]``.

    :param pilot_deciles: ``{pilot id: decile}``
    :param candidate_deciles: ``{candidate id: decile}``
    :param seed: the seed of the draw (an int)
    """
    rng = random.Random(seed)
    needed = dict.fromkeys(range(NO_SPEND_DECILE, DECILES + 1), 0)
    for decile in pilot_deciles.values():
        needed[decile] += 1
    pools = {decile: [] for decile in needed}
    for key in sorted(candidate_deciles):
        pools[candidate_deciles[key]].append(key)
    drawn = []

    def take(decile, count):
        pool = pools[decile]
        picked = rng.sample(pool, min(count, len(pool)))
        for key in picked:
            pool.remove(key)
        drawn.extend((key, decile) for key in picked)
        return len(picked)

    missing = {}
    for decile, count in needed.items():
        missing[decile] = count - take(decile, count)
    for decile, count in missing.items():
        for neighbour in neighbour_deciles(decile):
            if not count:
                break
            count -= take(neighbour, count)
    return drawn
