"""What a 规格 (specification) cell does to a quantity.

Official lists give a quantity in a packing unit (箱, 件) and say in 规格 what a package
holds: ``200个/箱``, ``50箱（*1000）``, ``80箱*100``. Only two shapes are read, and only
when the sheet's own unit or quantity confirms the reading; everything else (sizes such
as ``500ml*30瓶``, dimensions such as ``33*27*28``, glove sizes ``S小号``) is kept as
text, because a wrong multiplication is worse than an honest "件".

1. ``M<base>/<container>`` (``1000只/箱``): each container holds M base units. Certain
   when the sheet's unit is that container: ``quantity * M`` in ``<base>``.
2. ``N<container>*M`` or ``N<container>（*M）`` (``50箱（*1000）``, ``80箱*100``): the spec
   restates the quantity (N containers) and gives the count per container. Certain
   when the sheet's quantity equals N and its unit is the container (or blank):
   ``N * M`` in ``<base>`` when written after M (``80箱*100只``), else ``个``.
"""

from __future__ import annotations

import math
import re
import unicodedata

from data_loaders.ingest.values import clean_text, is_blank

GENERIC_UNIT = "个"  # the base unit when the spec names none (50箱*1000)

_NUM = r"(\d+(?:\.\d+)?)"
_WORD = r"([^\d\s*/×xX.()]{1,2})"
# 1000只/箱, 200个/箱, 12瓶/箱, 24包/箱
_PER_CONTAINER = re.compile(rf"^{_NUM}{_WORD}/{_WORD}$")
# 50箱(*1000), 80箱*100, 80箱×100只
_COUNT_TIMES = re.compile(rf"^{_NUM}{_WORD}\(?[*×xX]{_NUM}{_WORD}?\)?$")
_LABEL = re.compile(r"^(规格(型号)?|spec(ification)?)[:：]?", re.IGNORECASE)


def _text(spec: object) -> str:
    if is_blank(spec):
        return ""
    # NFKC turns （）＊ into ()*, and full-width digits into ASCII.
    text = unicodedata.normalize("NFKC", clean_text(spec))
    text = re.sub(r"\s+", "", text)
    return _LABEL.sub("", text)


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(unicodedata.normalize("NFKC", str(value)).replace(",", "").strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def interpret_spec(spec: object, unit: object, quantity: object
                   ) -> tuple[float | None, str | None, bool]:
    """Turn a sheet quantity into base units using its 规格, when that is certain.

    Parameters
    ----------
    spec : object
        The 规格 cell (may be blank, hold zero-width spaces, full-width brackets).
    unit : object
        The 计量单位 cell (箱, 件, 个...).
    quantity : object
        The 数量 cell.

    Returns
    -------
    tuple of (float or None, str or None, bool)
        ``(base_quantity, base_unit, certain)``. A blank spec changes nothing:
        ``(quantity, unit, True)``. A spec read with certainty gives the multiplied
        quantity and its unit. Anything unclear gives ``(None, None, False)``; the
        caller then keeps the sheet's quantity and unit and the spec as text.
    """
    text = _text(spec)
    unit_text = _text(unit)
    qty = _number(quantity)
    if not text:
        if qty is None:
            return None, None, False
        return qty, unit_text or None, True
    if qty is None:
        return None, None, False

    match = _PER_CONTAINER.match(text)
    if match:
        per, base, container = float(match.group(1)), match.group(2), match.group(3)
        if unit_text == container and per > 0:
            return qty * per, base, True
        return None, None, False

    match = _COUNT_TIMES.match(text)
    if match:
        count, container = float(match.group(1)), match.group(2)
        per, base = float(match.group(3)), match.group(4)
        if qty == count and unit_text in (container, "") and per > 0:
            return count * per, base or GENERIC_UNIT, True
        return None, None, False

    return None, None, False
