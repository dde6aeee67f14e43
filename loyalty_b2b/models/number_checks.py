"""Numbers written to the loyalty records, checked before the ORM converts them.

A NaN, an infinity or a text that is no number must give the user a clear
error naming the field, not a traceback from the field's conversion (rounding a
NaN fails) or from the database. Plain functions, for every model that stores
amounts, percentages or counts: ``check_finite_values(records, vals_list)`` in
``create()`` and ``write()``.
"""

import decimal
import math
import numbers

from odoo.exceptions import ValidationError

NUMBER_FIELD_TYPES = ("float", "monetary", "integer")
# The PostgreSQL column of an Integer field (int4).
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1


def _convert(value, integer):
    """``value`` converted as the ORM would (False and None are 0); None when it
    cannot be."""
    if value is None or isinstance(value, bool):
        return int(value or 0)
    if isinstance(value, str):
        try:
            return int(value) if integer else float(value)
        except ValueError:
            return None
    if isinstance(value, numbers.Real | decimal.Decimal):
        number = float(value)
        if integer and math.isfinite(number):
            return int(number)
        return number
    return None


def get_number_error(env, model_name, fname, value):
    """The translated message saying why ``value`` cannot be written to the
    number field ``fname`` of ``model_name``, or None if it can."""
    field = env[model_name]._fields[fname]
    integer = field.type == "integer"
    number = _convert(value, integer)
    if (
        number is not None
        and math.isfinite(number)
        and (not integer or INTEGER_MIN <= number <= INTEGER_MAX)
    ):
        return None
    label = field._description_string(env)
    model = env["ir.model"]._get(model_name).name
    if number is None:
        return env._(
            "%(field)s (%(model)s) must be a number, not %(value)s.",
            field=label,
            model=model,
            value=repr(value),
        )
    if not math.isfinite(number):
        return env._(
            "%(field)s (%(model)s) must be a finite number, not %(value)s.",
            field=label,
            model=model,
            value=repr(value),
        )
    return env._(
        "%(field)s (%(model)s) must be a whole number between %(min)s and "
        "%(max)s, not %(value)s.",
        field=label,
        model=model,
        min=INTEGER_MIN,
        max=INTEGER_MAX,
        value=repr(value),
    )


def check_finite_values(records, vals_list, fnames=None):
    """Raise a ValidationError naming the field when a value of ``vals_list``
    (dicts of ``create()``/``write()`` values of the model of ``records``) for a
    float, monetary or integer field, or only for ``fnames``, is not a finite
    number the field can store."""
    fields_ = records._fields
    for vals in vals_list:
        for fname, value in vals.items():
            field = fields_.get(fname)
            if (
                field is None
                or field.type not in NUMBER_FIELD_TYPES
                or (fnames is not None and fname not in fnames)
            ):
                continue
            error = get_number_error(records.env, records._name, fname, value)
            if error:
                raise ValidationError(error)


def is_finite_number(value):
    """True for an int or a float that is neither NaN nor infinite (not a bool:
    True is not an amount). For the arguments of public methods, which take
    numbers, not what the ORM would convert."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )
