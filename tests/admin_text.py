"""What a person sees on an admin screen, as text: used by the admin language crawl.

Visible text is every text node outside <script>/<style>, the attributes a person reads or hears (title, aria-label,
placeholder, alt, tooltips, button values), and the human strings inside the admin's JSON props (the sidebar, choosers
and StreamField blocks are drawn by JavaScript from `<script type="application/json">`).
"""

import contextlib
import json
import re
from html.parser import HTMLParser

READ_ATTRIBUTES = {
    "title",
    "aria-label",
    "aria-description",
    "aria-roledescription",
    "placeholder",
    "alt",
    "data-w-tooltip-content-value",
    "data-w-dropdown-label-value",
    "label",
}
BUTTON_INPUTS = {"submit", "button", "reset"}
# Keys in the admin's JSON whose values are identifiers, icons, CSS classes, URLs or stored content, not words.
JSON_SKIP_KEYS = {
    "_type",
    "_id",
    "id",
    "icon",
    "icon_name",
    "iconName",
    "classname",
    "className",
    "classnames",
    "name",
    "url",
    "value",
    "_value",
    "default",
    "format",
    "type",
    "attrs",
    "mode",
    "method",
    "widget",
    "csrfToken",
    "modalUrl",
    "chooserUrl",
    "key",
    "language",
    "locale",
    "lang",
    "dateFormat",
    "timeFormat",
    "dateTimeFormat",
}
IDENTIFIER = re.compile(r"^[\w.:/#%{}()\[\]-]*$")  # one "word" of code: block types, dotted paths, formats


def _looks_human(text: str) -> bool:
    text = text.strip()
    if not text or text.startswith(("/", "http", "#", ".", "{")):
        return False
    if IDENTIFIER.match(text) and not text[:1].isupper():
        return False
    if "." in text and " " not in text and not text.endswith("."):
        return False  # wagtail.blocks.CharBlock
    return any(ch.isalpha() for ch in text)


def strings_in_json(data, key: str = "") -> list[str]:
    out: list[str] = []
    if isinstance(data, dict):
        for k, v in data.items():
            if k in JSON_SKIP_KEYS:
                continue
            out.extend(strings_in_json(v, k))
    elif isinstance(data, list):
        for v in data:
            out.extend(strings_in_json(v, key))
    elif isinstance(data, str):
        if "<" in data and ">" in data:
            out.extend(visible_texts(data))
        elif _looks_human(data):
            out.append(data.strip())
    return out


class _Extractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.skip = 0  # inside <script>/<style>
        self.counter_open = False
        self.json_script: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in READ_ATTRIBUTES & attrs.keys():
            value = attrs[name]
            if value and value.strip() and (name != "label" or tag in {"optgroup", "option", "track"}):
                self.texts.append(value.strip())
        if tag == "input" and (attrs.get("type") or "").lower() in BUTTON_INPUTS and attrs.get("value"):
            self.texts.append(attrs["value"].strip())
        if "data-side-panel-toggle-counter" in attrs:
            # Wagtail's hidden side-panel counter: a number its script writes in; the server's placeholder ("None")
            # is never shown to anyone.
            self.skip += 1
            self.counter_open = True
        if tag == "script":
            self.skip += 1
            if (attrs.get("type") or "") == "application/json":
                self.json_script = []
        elif tag == "style":
            self.skip += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_endtag(self, tag):
        if tag == "div" and self.counter_open:
            self.counter_open = False
            self.skip -= 1
            return
        if tag in ("script", "style") and self.skip:
            self.skip -= 1
            if tag == "script" and self.json_script is not None:
                raw = "".join(self.json_script)
                self.json_script = None
                with contextlib.suppress(ValueError):
                    self.texts.extend(strings_in_json(json.loads(raw)))

    def handle_data(self, data):
        if self.skip:
            if self.json_script is not None:
                self.json_script.append(data)
            return
        if data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(html: str) -> list[str]:
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    return parser.texts


def links_in(html: str) -> list[str]:
    """Every admin address on a page: links, form targets of GET forms, and URLs kept in data attributes/JSON."""
    return re.findall(r"""["'=](/admin/[^"'\s<>]*)""", html.replace("&amp;", "&").replace("\\/", "/"))
