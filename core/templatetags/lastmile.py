"""Template helpers of our own."""

from django import template

register = template.Library()


@register.filter
def width_class(percent) -> str:
    """`w-37` for a bar 37% wide: a class from lastmile.css, since the Content-Security-
    Policy refuses style="" attributes. Rounded and clamped to 0–100."""
    try:
        value = round(float(percent))
    except (TypeError, ValueError):
        value = 0
    return f"w-{min(100, max(0, value))}"
