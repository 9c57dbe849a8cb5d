"""The Jinja environment templates run in: sandboxed, because templates come from the checkout too.

A pull request can change templates/ as easily as content/, and Jinja's normal environment lets a
template reach Python's internals (''.__class__.__mro__...) and from there run anything. The
immutable sandbox refuses private attributes, internal ones and calls that change data; on top of
it, operators and formats that could make a huge value from a short template are refused, and any
fault while compiling or rendering a template becomes a located problem on the template.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import string
import traceback
import types

import jinja2
from jinja2.sandbox import MAX_RANGE, ImmutableSandboxedEnvironment, SecurityError

from policysite.problems import ContentError, Problem

TEMPLATES_DIR = "templates/"
MAX_SIZE = 1_000_000      # characters or items one operator may make (the templates use none on text or lists)
MAX_INT_BITS = 4096       # an integer bigger than this in a template is an attack, not a page
MAX_WIDTH = 10_000        # a padding or precision in a format
# Faults of a template whatever data it is given: reported on the template, never on the file whose page it was making.
TEMPLATE_FAULTS = (SecurityError, jinja2.TemplateSyntaxError, jinja2.TemplateNotFound)
PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?")
DIGITS = re.compile(r"\d+")


class SourceLoader(jinja2.BaseLoader):
    """Load templates from the texts read with the sources, each named by its path in the checkout (so faults can say where)."""

    def __init__(self, texts, compiled: dict | None = None):
        self.texts = texts
        # name -> code object, in memory only, shared by the environments of one build (one per language): each
        # template is compiled once, however many languages render it. Never written anywhere.
        self.compiled = {} if compiled is None else compiled

    def get_source(self, environment, name):
        """Return a template's text, its path in the checkout, and a check that it is current (it always is)."""
        if name not in self.texts:
            raise jinja2.TemplateNotFound(name)
        return self.texts[name], TEMPLATES_DIR + name, lambda: True

    def load(self, environment, name, globals=None):
        """Return the template, compiling its text only the first time any of the sharing environments asks for it."""
        if name not in self.compiled:
            source, filename, _ = self.get_source(environment, name)
            self.compiled[name] = environment.compile(source, name, filename)
        return environment.template_class.from_code(environment, self.compiled[name], environment.make_globals(globals),
                                                    lambda: True)

    def list_templates(self) -> list[str]:
        """Return every template's name."""
        return sorted(self.texts)


class TemplateSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, bounding what one operator or format can make, with faults reported on the template."""

    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.globals["range"] = bounded_range
        for name, check in (("format", lambda value, *a, **k: check_printf(str(value))),
                            ("center", lambda value, width=80: check_width(width)),
                            ("indent", lambda value, width=4, *a, **k: check_width(width))):
            self.filters[name] = guarded_filter(self.filters[name], check)

    def call_binop(self, context, operator, left, right):
        """Do an operator after checking that its result stays small."""
        if operator == "**":
            check_power(left, right)
        elif operator in ("*", "+"):
            check_product(operator, left, right)
        elif isinstance(left, str):   # '%': printf-style formatting
            check_printf(left)
        return super().call_binop(context, operator, left, right)

    def is_safe_attribute(self, obj, attr, value):
        """Say whether a template may read obj.attr: quickly for the site's own records, as Jinja does for the rest."""
        if is_own_record(type(obj)):   # about half a page's time went on Jinja's general checks of these
            return not attr.startswith("_")
        return super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value):
        """Sandbox str.format and str.format_map as Jinja does, refusing huge widths first."""
        if not isinstance(value, (types.MethodType, types.BuiltinMethodType)):
            return None   # nearly every value a template reads: decided as Jinja would, one call sooner
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            check_format_widths(value.__self__)
        return wrapped

    def handle_exception(self, source=None):
        """Raise a fault of the template itself (see TEMPLATE_FAULTS) as a located problem on the template.

        Any other failure (an undefined field, say) may depend on the data: it goes on as Jinja raises
        it, with its traceback rewritten to template lines, for the caller to place.
        """
        try:
            super().handle_exception(source)
        except TEMPLATE_FAULTS as exc:
            problem = template_problem(exc)
            if problem is None:
                raise
            raise ContentError([problem]) from None


@functools.lru_cache(maxsize=None)
def is_own_record(cls: type) -> bool:
    """Return True for the site's own frozen dataclasses (model, stages): plain data whose only callables are their methods."""
    return dataclasses.is_dataclass(cls) and cls.__module__.startswith("policysite.") and cls.__dataclass_params__.frozen


def guarded_filter(func, check):
    """Return a filter that runs check on the value and arguments before func."""
    skip = 1 if hasattr(func, "jinja_pass_arg") else 0   # a filter given the environment or context first

    @functools.wraps(func)   # keeps the mark that tells Jinja what to pass first
    def run(*args, **kwargs):
        check(*args[skip:], **kwargs)
        return func(*args, **kwargs)
    return run


def bounded_range(*args) -> range:
    """Return range(*args), refusing one of more than MAX_RANGE numbers (Jinja's sandbox limit)."""
    numbers = range(*args)
    try:
        too_many = len(numbers) > MAX_RANGE
    except OverflowError:   # more than a machine word can count
        too_many = True
    if too_many:
        raise SecurityError(f"a range of more than {MAX_RANGE} numbers is not allowed")
    return numbers


def check_power(base, exponent) -> None:
    """Refuse an integer power with more than MAX_INT_BITS bits."""
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1 \
            and exponent * (abs(base).bit_length() - 1) > MAX_INT_BITS:
        raise SecurityError(f"the result of ** would have more than {MAX_INT_BITS} bits")


def check_product(operator: str, left, right) -> None:
    """Refuse a repeated or joined sequence longer than MAX_SIZE, or a product of more than MAX_INT_BITS bits."""
    if operator == "*" and isinstance(left, int) and isinstance(right, int):
        if abs(left).bit_length() + abs(right).bit_length() > MAX_INT_BITS:
            raise SecurityError(f"the result of * would have more than {MAX_INT_BITS} bits")
        return
    sizes = [len(x) if isinstance(x, (str, list, tuple)) else x if isinstance(x, int) else 0 for x in (left, right)]
    size = sizes[0] * sizes[1] if operator == "*" else sizes[0] + sizes[1]
    if size > MAX_SIZE and any(isinstance(x, (str, list, tuple)) for x in (left, right)):
        raise SecurityError(f"the result of {operator} would be longer than {MAX_SIZE} items")


def check_width(width) -> None:
    """Refuse a padding wider than MAX_WIDTH."""
    if isinstance(width, int) and width > MAX_WIDTH:
        raise SecurityError(f"a width of {width} is more than {MAX_WIDTH}")


def check_printf(fmt: str) -> None:
    """Refuse a printf-style format with a width or precision over MAX_WIDTH, or one taken from the arguments ('*')."""
    for match in PRINTF_SPEC.finditer(fmt):
        for number in filter(None, match.groups()):
            if number == "*" or int(number) > MAX_WIDTH:
                raise SecurityError(f"a format width or precision of {number} is not allowed (at most {MAX_WIDTH})")


def check_format_widths(fmt: str) -> None:
    """Refuse a str.format spec with a width or precision over MAX_WIDTH, or one taken from the arguments."""
    for _, field, spec, _ in string.Formatter().parse(fmt):
        if field is not None and spec and ("{" in spec or any(int(d) > MAX_WIDTH for d in DIGITS.findall(spec))):
            raise SecurityError(f"a format spec of {spec[:40]!r} is not allowed (widths at most {MAX_WIDTH})")


def template_problem(exc: BaseException) -> Problem | None:
    """Return a fault as a problem at the template line it arose on, or None if no template was running."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and (exc.filename or "").startswith(TEMPLATES_DIR):
        return Problem(exc.filename, exc.lineno or 1, 1, f"template syntax error: {exc.message}")
    # walk_tb, not extract_tb: that one would look the template's lines up on disk, relative to the working folder.
    frames = [(frame.f_code.co_filename, line) for frame, line in traceback.walk_tb(exc.__traceback__)
              if frame.f_code.co_filename.startswith(TEMPLATES_DIR)]
    if not frames:
        return None
    src_path, line = frames[-1]
    return Problem(src_path, line or 1, 1, describe_fault(exc))


def describe_fault(exc: BaseException) -> str:
    """Word a fault in a template for its author."""
    text = str(exc).rstrip(".")[:200]
    if isinstance(exc, SecurityError):
        return f"{text}; templates run in a sandbox and may only read the data they are given"
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"no template named {exc.name!r} in templates/ (hidden and scratch files are not templates)"
    if isinstance(exc, jinja2.UndefinedError):
        return f"template error: {text}"
    return f"template failed: {type(exc).__name__}: {text}"
