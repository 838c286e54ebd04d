"""Markdown in, safe HTML and plain-text passages out.

Article bodies are written by staff, but they are still treated as untrusted:
``markdown`` renders them (raw HTML included, as Markdown allows), and nh3 keeps
only the tags and attributes listed here, so a pasted ``<script>`` or an
``onclick`` never reaches a page.
"""

import html
import re
from dataclasses import dataclass

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "em", "h2", "h3", "h4", "h5", "h6", "hr", "img",
    "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    # Heading ids are the anchors that answers' sources link to.
    **{f"h{level}": {"id"} for level in range(2, 7)},
}
EXTENSIONS = ["extra", "sane_lists", "toc"]
EXTENSION_CONFIGS = {"toc": {"slugify": slugify_unicode}}

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# A section longer than this is split at its paragraphs, so a passage stays about
# one thing and an extractive answer stays short.
PASSAGE_MAX_CHARS = 700
PASSAGE_MIN_CHARS = 160


def render(body: str) -> str:
    """The article body as HTML that is safe to put in any page."""
    rendered = markdown.markdown(
        body, extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS, output_format="html"
    )
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


BLOCK_END = re.compile(r"</(p|li|h[1-6]|pre|blockquote|tr|dt|dd)>", re.IGNORECASE)


def plain_text(body: str) -> str:
    """The text of some Markdown with every tag gone: what a passage says. Lines
    wrapped in the source are joined; paragraphs and list items keep a line each."""
    rendered = markdown.markdown(body, extensions=["extra"]).replace("\n", " ")
    rendered = re.sub(r"<li>", "<li>- ", BLOCK_END.sub(lambda end: end[0] + "\n", rendered))
    text = html.unescape(nh3.clean(rendered, tags=set()))
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r" ?\n[ \n]*", "\n", text).strip()


@dataclass(frozen=True)
class Passage:
    heading: str
    anchor: str
    text: str


def passages(body: str) -> list[Passage]:
    """The body cut at its headings, and long sections at their paragraphs. Text
    before the first heading belongs to the article's introduction (no anchor)."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in body.splitlines():
        match = HEADING.match(line)
        if match:
            sections.append((match[2], []))
        else:
            sections[-1][1].append(line)
    result: list[Passage] = []
    for heading, lines in sections:
        anchor = slugify_unicode(heading, "-") if heading else ""
        for chunk in _chunks("\n".join(lines)):
            text = plain_text(chunk)
            if not text:
                continue
            previous = result[-1] if result else None
            # A line or two alone (an introduction) says too little to answer
            # from: it goes with what follows it, under its own heading.
            if previous and len(previous.text) < PASSAGE_MIN_CHARS:
                text = f"{previous.text}\n{plain_text(heading)}\n{text}".replace("\n\n", "\n")
                result[-1] = Passage(heading=previous.heading, anchor=previous.anchor, text=text)
            else:
                result.append(Passage(heading=plain_text(heading), anchor=anchor, text=text))
    return result


def _chunks(section: str) -> list[str]:
    """Paragraphs of ``section`` joined up to PASSAGE_MAX_CHARS each."""
    chunks: list[str] = []
    for paragraph in re.split(r"\n\s*\n", section.strip()):
        if chunks and len(chunks[-1]) + len(paragraph) < PASSAGE_MAX_CHARS:
            chunks[-1] += "\n\n" + paragraph
        else:
            chunks.append(paragraph)
    return chunks
