"""Template side of the page kit: `{% load kit %}` then `{% chart c %}`, `{% table t %}`,
`{% kpi k %}`, and the number filters `wan`, `yuan`, `num`, `pct`, `ratio` (org.kit.formats)."""

from django import template

from org.kit import formats

register = template.Library()


@register.inclusion_tag("kit/chart.html")
def chart(chart, open_table=False):
    return {"chart": chart, "option": chart.option, "open_table": open_table}


@register.inclusion_tag("kit/table.html")
def table(table):
    return {"table": table}


@register.inclusion_tag("kit/kpi.html")
def kpi(tile):
    return {"k": tile}


@register.filter
def wan(value):
    return formats.fmt_wan(value)


@register.filter
def yuan(value):
    return formats.fmt_money(value)


@register.filter
def num(value):
    return formats.fmt_int(value)


@register.filter
def pct(value):
    return formats.fmt_pct(value)


@register.filter
def ratio(value):
    return formats.fmt_ratio(value)


@register.simple_tag
def institution_label(inst):
    """An institution's name with its parent where the name alone is ambiguous (个人金融部)."""
    from org.selectors import institution_label as label

    return label(inst)
