"""Split a content file into front matter and body, parse the YAML and keep every key's line."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import frontmatter
import yaml

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """Safe YAML that leaves timestamps as text: sitegen parses dates itself, with clear errors."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp",
                        lambda loader, node: loader.construct_scalar(node))


class FrontMatterError(Exception):
    def __init__(self, line: int | None, message: str, hint: str):
        super().__init__(message)
        self.line, self.message, self.hint = line, message, hint


@dataclass
class Parsed:
    meta: dict[str, Any]
    body: str
    body_line: int                     # line of the body's first line in the file
    lines: dict[str, int] = field(default_factory=dict)   # "photos[0].src" → line
    duplicates: list[tuple[str, int]] = field(default_factory=list)


_HANDLER = frontmatter.YAMLHandler()


def parse(text: str) -> Parsed:
    """Parse `---` YAML front matter. A file without front matter has empty metadata."""
    if not _HANDLER.detect(text):
        if text.lstrip().startswith("---"):
            raise FrontMatterError(1, "front matter must start on the file's first line",
                                   "remove the blank lines or spaces before the first ---")
        return Parsed({}, text, 1)
    try:
        fm, body = _HANDLER.split(text)
    except ValueError:   # no second line of dashes
        raise FrontMatterError(1, "front matter is not closed",
                               "end the front matter with a line of three dashes: ---") from None
    start = text.index(fm) if fm else text.index("---") + 3
    first_line = text.count("\n", 0, start) + 1   # file line of the YAML's first line
    body_line = text.count("\n", 0, len(text) - len(body)) + 1 if body else first_line + fm.count("\n") + 1
    simple = _simple(fm, first_line)
    if simple is not None:
        data, lines, duplicates = simple
        return Parsed(data, body, body_line, lines, duplicates)
    loader = _Loader(fm)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else None
        problem = (exc.problem or "invalid YAML").strip()
        if exc.context and exc.context_mark and exc.problem_mark and \
                exc.context_mark.line != exc.problem_mark.line:
            problem += f" ({exc.context.strip()} on line {first_line + exc.context_mark.line})"
        raise FrontMatterError(line, f"invalid YAML: {problem}",
                               "check indentation, and quote values that contain ':' or '#'") from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(first_line, f"invalid YAML: {exc}", "check the front matter's syntax") from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError(first_line, "front matter must be a list of `key: value` lines",
                               "e.g. title: Tiêu đề bài viết")
    parsed = Parsed(data, body, body_line)
    _record_lines(node, "", first_line, parsed)
    return parsed


# --- the front matter most articles have, without PyYAML ---------------------------------------
#
# `key: value` lines whose values are one-line scalars or flow lists of them, and a mapping or a
# list (of such values, or of mappings of them: photos) indented under a key, as staff and
# importers write them: read here in a third of PyYAML's time, with PyYAML's answer (its own
# resolver and constructors decide what a plain value is: yes, 1_000, 0x1F, ~, 2024-01-09 …).
# Anything else — deeper nesting, a blank or comment line inside a block, a comment after a
# value, a quote or backslash inside quotes, an indicator, a character YAML handles specially —
# gives None, and PyYAML parses the text (tests/content/test_frontmatter.py compares the two on
# random input, 20,000-example runs of it too).

_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +|$)")
# Characters other than those YAML reads as they are (tab, line separator, BOM, characters it
# refuses): the complement of [\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff],
# written out since re compiles a negated class of wide ranges 10× slower (7 ms of every build).
_ODD = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_INDICATOR = frozenset("-?:,[]{}#&*!|>'\"%@`")
_STR, _TIMESTAMP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"
_CONSTRUCTED = frozenset({"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                          "tag:yaml.org,2002:null"})
_NO = object()
_constructor: _Loader | None = None


def _plain(value: str) -> Any:
    """A plain scalar as PyYAML resolves and constructs it (_NO: leave it to PyYAML)."""
    global _constructor
    if value[0] in _INDICATOR and not (value[0] == "-" and value[1:2].isdigit()):
        return _NO
    if ": " in value or " #" in value or value.endswith(":"):
        return _NO
    tag = _STR
    for t, rx in _Loader.yaml_implicit_resolvers.get(value[0], []) + _Loader.yaml_implicit_resolvers.get(None, []):
        if rx.match(value):
            tag = t
            break
    if tag == _STR or tag == _TIMESTAMP:     # sitegen's loader keeps timestamps as text
        return value
    if tag not in _CONSTRUCTED:
        return _NO
    if _constructor is None:
        _constructor = _Loader("")
    return _constructor.yaml_constructors[tag](_constructor, yaml.ScalarNode(tag, value))


_STR_KEYS: set[str] = set()      # keys known to be plain text (title, date, …), not yes/null/…


def _str_key(key: str) -> bool:
    if key in _STR_KEYS:
        return True
    ok = _plain(key) == key
    if ok and len(_STR_KEYS) < 4096:
        _STR_KEYS.add(key)
    return ok


def _scalar(value: str, flow: bool) -> Any:
    if value[0] == '"' or value[0] == "'":
        q = value[0]
        inner = value[1:-1]
        if len(value) < 2 or value[-1] != q or q in inner or "\\" in inner:
            return _NO
        return inner
    if flow and (":" in value or "#" in value or any(c in value for c in "[]{}")):
        return _NO
    return _plain(value)


def _value(value: str) -> Any:
    """A one-line value: a flow list of scalars, or a scalar (_NO: leave it to PyYAML)."""
    if value[0] != "[":
        return _scalar(value, False)
    if value[-1] != "]":
        return _NO
    inner = value[1:-1].strip(" ")
    got = [_scalar(item, True) if item else _NO for item in (x.strip(" ") for x in inner.split(","))] if inner else []
    return _NO if any(x is _NO for x in got) else got


class _Reader:
    """The simple front matter: top-level keys with one-line values, or with a block mapping or
    a block list (of one-line values, or of mappings of them) indented under them."""

    def __init__(self, first_line: int):
        self.first_line = first_line
        self.lines: dict[str, int] = {}
        self.duplicates: list[tuple[str, int]] = []

    def note(self, target: dict, key: str, path: str, at: int) -> None:
        """The line of a key, and whether target has it already (as parse() reads PyYAML's nodes)."""
        if key in target:
            self.duplicates.append((path, at))
        self.lines[path] = at

    def entry(self, target: dict, prefix: str, text: str, at: int) -> bool:
        """`key: value` into target; False when it is not that simple."""
        m = _KEY.match(text)
        if m is None:
            return False
        key, value = m.group(1), text[m.end():].rstrip(" ")
        if not value or not _str_key(key):
            return False
        got = _value(value)
        if got is _NO:
            return False
        path = f"{prefix}.{key}" if prefix else key
        self.note(target, key, path, at)
        target[key] = got
        if isinstance(got, list):
            for i in range(len(got)):
                self.lines[f"{path}[{i}]"] = at
        return True

    def block(self, rows: list[str], start: int, prefix: str) -> Any:
        """The block under `prefix:` (rows: its lines, the first at file line start)."""
        n = len(rows[0]) - len(rows[0].lstrip(" "))
        items: list[Any] = []
        mapping: dict[str, Any] = {}
        item: dict[str, Any] | None = None
        is_list = rows[0][n:n + 2] == "- "
        for k, row in enumerate(rows):
            at = start + k
            indent = len(row) - len(row.lstrip(" "))
            if not row.strip(" ") or row[indent] == "#":
                return _NO
            if not is_list:
                if indent != n or not self.entry(mapping, prefix, row[n:], at):
                    return _NO
            elif indent == n and row[n:n + 2] == "- ":
                content = row[n + 2:].rstrip(" ")
                if not content or content[0] == " ":
                    return _NO
                path = f"{prefix}[{len(items)}]"
                self.lines[path] = at
                if _KEY.match(content):
                    item = {}
                    items.append(item)
                    if not self.entry(item, path, content, at):
                        return _NO
                else:
                    item = None
                    got = _value(content)
                    if got is _NO or isinstance(got, list):
                        return _NO
                    items.append(got)
            elif indent == n + 2 and item is not None:
                if not self.entry(item, f"{prefix}[{len(items) - 1}]", row[indent:], at):
                    return _NO
            else:
                return _NO
        return items if is_list else mapping

    def read(self, fm: str) -> dict[str, Any] | None:
        rows = fm.split("\n")
        data: dict[str, Any] = {}
        i = 0
        while i < len(rows):
            line = rows[i]
            if not line.strip(" ") or line[0] == "#":
                i += 1
                continue
            at = self.first_line + i
            j = i + 1          # the lines under this key: indented or blank
            while j < len(rows) and (rows[j][:1] == " " or not rows[j].strip(" ")):
                j += 1
            under = rows[i + 1:j]
            while under and not under[-1].strip(" "):
                under.pop()
            m = _KEY.match(line)
            if m is None:
                return None
            key, rest = m.group(1), line[m.end():].strip(" ")
            if not _str_key(key):
                return None
            if rest:
                if under or not self.entry(data, "", line, at):
                    return None
            else:                               # a block under the key, or nothing: null
                self.note(data, key, key, at)
                got = self.block(under, at + 1, key) if under else None
                if got is _NO:
                    return None
                data[key] = got
            i = j
        return data


def _simple(fm: str, first_line: int) -> tuple[dict[str, Any], dict[str, int], list[tuple[str, int]]] | None:
    """(data, lines, duplicates) as parse() makes them from PyYAML's nodes, or None."""
    if _ODD.search(fm):
        return None
    reader = _Reader(first_line)
    data = reader.read(fm)
    return None if data is None else (data, reader.lines, reader.duplicates)


def body_of(text: str) -> str:
    """The body `parse(text)` gives, without parsing the YAML (for a file parsed before)."""
    return _HANDLER.split(text)[1] if _HANDLER.detect(text) else text


def _record_lines(node: yaml.Node | None, prefix: str, first_line: int, out: Parsed) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            path = f"{prefix}.{key}" if prefix else key
            line = first_line + key_node.start_mark.line
            if key in seen:
                out.duplicates.append((path, line))
            seen.add(key)
            out.lines[path] = line
            _record_lines(value_node, path, first_line, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            path = f"{prefix}[{i}]"
            out.lines[path] = first_line + item.start_mark.line
            _record_lines(item, path, first_line, out)
