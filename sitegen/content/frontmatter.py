"""Split a content file into front matter and body, parse the YAML and keep every key's line."""
from __future__ import annotations

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
