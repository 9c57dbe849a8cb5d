"""The site as data: frozen dataclasses built from checked content. Standard library only."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from types import MappingProxyType

from policysite.languages import DEFAULT

CONTACT_FIELDS = ("url", "email", "reply_email", "hours", "timezone", "response_time", "scope")


def relative_luminance(colour: str) -> float:
    """Return the WCAG relative luminance of a #rrggbb colour."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """Return the WCAG contrast ratio between two #rrggbb colours."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


ENGLISH = DEFAULT   # the language of the data's own fields
# One entry's wording in other languages: ((lang, ((field, value), ...)), ...), sorted, so it hashes and compares.
Translations = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]


def make_translations(data: dict | None) -> Translations:
    """Turn a checked 'translations' mapping ({lang: {field: value}}) into the sorted tuples the model holds."""
    return tuple((lang, tuple(sorted(fields.items()))) for lang, fields in sorted((data or {}).items()) if fields)


class Translatable:
    """Text fields with per-language values beside the English ones; mixed into Method, Factor and Level."""

    TEXT_FIELDS: tuple[str, ...] = ()
    translations: Translations = ()

    def text(self, lang: str, field: str) -> str:
        """Return field in lang: its translation, or the English value when there is none."""
        value = self._translation(lang, field)
        return value if value is not None else getattr(self, field)

    def is_translated(self, lang: str, field: str) -> bool:
        """Return True if field has a value in lang (English always has)."""
        return lang == ENGLISH or self._translation(lang, field) is not None

    def _translation(self, lang: str, field: str) -> str | None:
        """Return field's value in lang, or None; a field that is not a text field is our bug."""
        if field not in self.TEXT_FIELDS:
            raise ValueError(f"{type(self).__name__} has no text field {field!r}; its text fields are {', '.join(self.TEXT_FIELDS)}")
        for code, values in self.translations:
            if code == lang:
                return dict(values).get(field)
        return None


@dataclass(frozen=True)
class Method(Translatable):
    """One support delivery method of the legend."""

    TEXT_FIELDS = ("title", "short_title", "description")

    id: str
    bit: int
    title: str
    short_title: str
    description: str
    colour: str
    outline: str
    marker: str
    # Tickets open only on the method's portal ('url'); email only answers an open ticket ('reply_email').
    # Set from the app schema, which gives such a method 'reply_email' in place of 'email'.
    portal_only: bool = False
    translations: Translations = ()

    @property
    def ink(self) -> str:
        """Return black or white, whichever reads better on the method's colour."""
        return "#000000" if contrast_ratio(self.colour, "#000000") >= contrast_ratio(self.colour, "#ffffff") else "#ffffff"


@dataclass(frozen=True)
class Factor(Translatable):
    """One of the three things ClearCenter weighs when setting a policy."""

    TEXT_FIELDS = ("title", "description")

    id: str
    title: str
    description: str
    translations: Translations = ()


@dataclass(frozen=True)
class Level(Translatable):
    """A rating a factor can have."""

    TEXT_FIELDS = ("title",)

    id: str
    title: str
    translations: Translations = ()


def utc_label(minutes: int, minus: str = "\u2212") -> str:
    """Write an offset from UTC as UTC\u221207:00 (pages: a real minus sign, which screen readers say as 'minus')."""
    sign = minus if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@dataclass(frozen=True)
class Clock:
    """A method's hours seen from UTC as of the build date: the zone's offset then, the hours in UTC, the next change."""

    offset: int                          # minutes ahead of UTC
    hours_utc: str                       # 'Monday to Friday, 15:00 to 00:00 UTC'
    change_on: datetime.date | None      # the local date the offset next changes, within a year
    change_offset: int | None            # the offset from that date
    daylight_saving: bool                # the zone keeps daylight saving time

    @property
    def utc(self) -> str:
        """Return the offset as the pages show it: UTC\u221207:00."""
        return utc_label(self.offset)

    @property
    def change_utc(self) -> str:
        """Return the offset from the next change, as the pages show it."""
        return utc_label(self.change_offset)

    @property
    def iso_offset(self) -> str:
        """Return the offset as ISO 8601 writes it, for the feed: -07:00."""
        return utc_label(self.offset, "-")[3:]


@dataclass(frozen=True)
class Policy:
    """Whether one method is available for one app, and how to use it or what to do instead."""

    method: Method
    available: bool
    url: str | None = None
    email: str | None = None
    reply_email: str | None = None           # portal-only methods: takes replies to an open ticket, opens none
    hours: str | None = None
    timezone: str | None = None
    response_time: str | None = None
    scope: str | None = None
    reason: str | None = None
    alternative: str | None = None
    clock: Clock | None = None           # the hours seen from UTC (hours.clock_for); set when the app is modelled (content/site.py)

    @property
    def is_portal_only(self) -> bool:
        """Return True if a ticket for this method is opened only on its portal ('url')."""
        return self.method.portal_only


@dataclass(frozen=True)
class Rating:
    """One factor's rating for one app."""

    factor: Factor
    level: Level
    note: str


@dataclass(frozen=True)
class Announcement:
    """A change to one method that the app's file schedules for a later date."""

    method: Method
    date: datetime.date
    summary: str                 # "<method title> ends on 2027-01-31"
    policy: Policy               # the method as it will be from that date


@dataclass(frozen=True)
class HistoryEntry:
    """One moment the published policy of an app changed: a commit, or a scheduled change taking effect."""

    key: str                     # stable and unique within the app: a commit id, or 'scheduled-YYYYMMDD'
    when: datetime.datetime      # UTC
    changes: tuple[str, ...]     # plain-language sentences
    commit: str | None = None    # the full commit id, when the change came from a commit

    @property
    def date(self) -> datetime.date:
        """Return the UTC date of the change."""
        return self.when.date()


@dataclass(frozen=True)
class App:
    """One Marketplace app and its support policy."""

    basename: str
    src_path: str
    name: str
    vendor: str
    category: str
    subcategory: str | None
    license: str
    summary: str
    description_html: str
    homepage: str | None
    documentation: str | None
    policies: tuple[Policy, ...]
    ratings: tuple[Rating, ...]
    level2_covered: bool
    level2_articles: tuple[str, ...]
    reviewed: datetime.date
    stale: bool = False                          # reviewed more than 12 months before the build's date
    announced: tuple[Announcement, ...] = ()     # scheduled changes still to come, soonest first
    history: tuple[HistoryEntry, ...] | None = None   # newest first; None where the build publishes no history

    @property
    def url(self) -> str:
        """Return the app page's site-relative URL."""
        return f"apps/{self.basename}/"

    @property
    def mixed(self) -> bool:
        """Return True if the app offers some methods and not others."""
        return len({p.available for p in self.policies}) == 2

    @property
    def supported(self) -> int:
        """Return the legacy Webconfig integer: the OR of the available methods' bits."""
        bits = 0
        for policy in self.policies:
            if policy.available:
                bits |= policy.method.bit
        return bits


@dataclass(frozen=True)
class Doc:
    """One documentation page written in Markdown."""

    doc_id: str
    src_path: str
    title: str
    summary: str
    order: int
    legend: bool
    body_html: str
    updated: datetime.date | None = None   # the day of the last commit that changed the file (history.read_doc_dates)

    @property
    def url(self) -> str:
        """Return the page's site-relative URL."""
        return f"{self.doc_id}/"

    @property
    def section(self) -> str:
        """Return the first part of the id: 'level2' for 'level2/software-raid-5'."""
        return self.doc_id.split("/")[0]


@dataclass(frozen=True)
class Settings:
    """Site-wide settings from content/site.yaml."""

    title: str
    base_url: str
    example_notice: str
    languages: tuple[str, ...] = ("en",)   # the first is published at the site's root, each other under <code>/


@dataclass(frozen=True)
class Site:
    """Everything the renderers need, and nothing they would have to read."""

    settings: Settings
    methods: tuple[Method, ...]
    factors: tuple[Factor, ...]
    levels: tuple[Level, ...]
    apps: tuple[App, ...]
    docs: tuple[Doc, ...]
    templates: MappingProxyType
    static: MappingProxyType
    warnings: tuple = ()         # problems of severity 'warning' found while checking; not rendered
    feed_contract: str = ""      # the tool's docs/feed.md as sanitised HTML, for the "Embed and feed" page; empty when checking

    def app(self, basename: str) -> App:
        """Return the app with this basename."""
        return next(a for a in self.apps if a.basename == basename)

    def doc(self, doc_id: str) -> Doc:
        """Return the document with this id."""
        return next(d for d in self.docs if d.doc_id == doc_id)


def make_policy(method: Method, data: dict) -> Policy:
    """Build one method's Policy from its checked mapping."""
    fields = {k: data.get(k) for k in CONTACT_FIELDS + ("reason", "alternative")}
    return Policy(method=method, available=data["available"], **fields)


def make_app(basename: str, src_path: str, data: dict, description_html: str, site_parts: dict, extra: dict | None = None) -> App:
    """Build an App from a checked app mapping (scheduled changes already applied); methods follow legend order."""
    methods, factors, levels = site_parts["methods"], site_parts["factors"], site_parts["levels"]
    links = data.get("links") or {}
    level2 = data["level2"]
    return App(
        basename=basename, src_path=src_path, name=data["name"], vendor=data["vendor"],
        category=data["category"], subcategory=data.get("subcategory"), license=data["license"],
        summary=data["summary"], description_html=description_html,
        homepage=links.get("homepage"), documentation=links.get("documentation"),
        policies=tuple(make_policy(m, data["support"][m.id]) for m in methods),
        ratings=tuple(Rating(f, levels[data["factors"][f.id]["level"]], data["factors"][f.id]["note"]) for f in factors),
        level2_covered=level2["covered"], level2_articles=tuple(level2.get("articles") or ()),
        reviewed=datetime.date.fromisoformat(data["reviewed"]),
        **(extra or {}),
    )
