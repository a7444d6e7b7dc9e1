"""Markdown from members and curators renders harmless: an XSS corpus and a Hypothesis property.

Each output is parsed with the standard library's HTML parser, the way a browser tokenises it,
and checked against the allow-list in ``portal.markup``.
"""

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, ALLOWED_URL_SCHEMES, render_markdown

# nh3 adds rel to every link (``link_rel``); it is not in the allow-list of attributes.
ADDED_ATTRIBUTES = {"a": {"rel"}}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
# What a browser strips before reading a URL's scheme: tabs and newlines anywhere, and C0
# controls and spaces at either end (WHATWG URL parser).
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.comments: list[str] = []
        self.declarations: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_decl(self, decl):
        self.declarations.append(decl)

    def unknown_decl(self, data):
        self.declarations.append(data)

    def handle_pi(self, data):
        self.declarations.append(data)


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see in an attribute value (already entity-decoded)."""
    cleaned = _TAB_OR_NEWLINE.sub("", value).strip(
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b"
        "\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16"
        "\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "
    )
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


def problems(html: str) -> list[str]:
    """Everything in ``html`` outside the allow-list; empty when the output is harmless."""
    found = []
    parsed = parse(html)
    for tag, attrs in parsed.tags:
        if tag not in ALLOWED_TAGS:
            found.append(f"tag <{tag}>")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ADDED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name not in allowed:
                found.append(f"attribute {name!r} on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                scheme = url_scheme(value)
                if scheme is not None and scheme not in ALLOWED_URL_SCHEMES:
                    found.append(f"scheme {scheme!r} in {name}={value!r}")
    found += [f"comment {c!r}" for c in parsed.comments]
    found += [f"declaration {d!r}" for d in parsed.declarations]
    return found


def test_the_checker_itself_catches_what_it_looks_for():
    # Guards the guard: a checker that sees nothing would pass every test below.
    assert problems('<p><a href="https://example.org" rel="noopener">x</a></p>') == []
    assert problems("<script>alert(1)</script>") == ["tag <script>"]
    assert problems('<p onclick="x()">a</p>') == ["attribute 'onclick' on <p>"]
    assert problems('<a href="jav&#x09;ascript:alert(1)">x</a>') == [
        "scheme 'javascript' in href='jav\\tascript:alert(1)'"
    ]
    assert problems('<a href=" \x01JaVaScRiPt:alert(1)">x</a>')
    assert problems("<!-- x -->") == ["comment ' x '"]


# --- The corpus -----------------------------------------------------------------------------

XSS_CORPUS = [
    # Script and style tags
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script/xss src=https://evil.example/x.js></script>",
    '<<script>alert("x");//<</script>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    # Event handlers
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)"/>',
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">hover</div>',
    '<p onclick="alert(1)">click</p>',
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    '<a href="https://example.org" onclick="alert(1)">ok link, bad handler</a>',
    # javascript:, data:, vbscript: links, plain and obfuscated
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="jav\tascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)">x</a>',
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
    '&#0000112&#0000116&#0000058alert(1)">x</a>',
    '<a href=" &#14;  javascript:alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="DATA:text/html,<script>alert(1)</script>">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="VBScript:MsgBox(1)">x</a>',
    '<a href="livescript:alert(1)">x</a>',
    '<a href="file:///etc/passwd">x</a>',
    # Frames, objects, embeds, forms
    '<iframe src="https://evil.example"></iframe>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<frameset><frame src="javascript:alert(1)"></frameset>',
    '<object data="javascript:alert(1)"></object>',
    '<object type="text/x-scriptlet" data="https://evil.example/x.sct"></object>',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<applet code="Evil.class"></applet>',
    '<form action="javascript:alert(1)"><button>Go</button></form>',
    '<button formaction="javascript:alert(1)">Go</button>',
    '<isindex action="javascript:alert(1)" type=image>',
    # SVG and MathML tricks
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    '<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>',
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph>"
    "</table></mtext></math>",
    '<math href="javascript:alert(1)">click</math>',
    '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
    # Comments, CDATA, templates, noscript confusion
    "<!--<img src=x onerror=alert(1)>-->",
    "<!--[if IE]><script>alert(1)</script><![endif]-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><script>alert(1)</script></template>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<textarea><img src=x onerror=alert(1)></textarea>",
    # Attribute quoting tricks
    '<a href="https://example.org" title=\'" onmouseover=alert(1) x="\'>quoted</a>',
    '<img """><script>alert(1)</script>">',
    '<a title="x" href="https://example.org"onclick="alert(1)">no space</a>',
    "<p title=`x`onclick=alert(1)>backticks</p>",
    # Markdown links and images with javascript: and data: URLs
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click]( javascript:alert(1))",
    '[click](javascript:alert(1) "title")',
    "[click](<javascript:alert(1)>)",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![image](javascript:alert(1))",
    '![image](https://example.org/x.png" onerror="alert(1))',
    "![image](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<javascript:alert(1)>",
    # Reference links
    "[ref][evil]\n\n[evil]: javascript:alert(1)",
    '[ref][evil]\n\n[evil]: javascript:alert(1) "title"',
    "![ref][evil]\n\n[evil]: javascript:alert(1)",
    "[evil]\n\n[evil]: data:text/html,<script>alert(1)</script>",
    # Markdown extras: attribute lists and markdown inside HTML
    "# Heading {: onclick=alert(1) }",
    "Paragraph\n{: onmouseover=alert(1) style=color:red }",
    '[link](https://example.org){: onclick="alert(1)" }',
    '<div markdown="1">*x* <img src=x onerror=alert(1)></div>',
    # Raw HTML blocks, nested and inside lists, quotes and code
    "<div>\n<script>alert(1)</script>\n</div>",
    "<table><tr><td onclick=alert(1)>cell</td></tr></table>",
    "- item\n- <img src=x onerror=alert(1)>\n- [x](javascript:alert(1))",
    "> quote\n> > nested <script>alert(1)</script>\n> > > [x](javascript:alert(1))",
    "> <iframe src=javascript:alert(1)></iframe>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "    <img src=x onerror=alert(1)>",
    "**bold <svg/onload=alert(1)>**",
    "<a href='https://example.org'>ok<a href='javascript:alert(1)'>nested</a></a>",
    '<a href="https://example.org" target="_blank" rel="opener">opener</a>',
    '<p id="x" class="y" dir="rtl" lang="x">global attributes</p>',
    "<h1>Top heading</h1><h2 id=x>Sub</h2>",
]


def test_the_corpus_has_at_least_fifty_payloads():
    assert len(set(XSS_CORPUS)) == len(XSS_CORPUS) >= 50


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_xss_payload_renders_harmless(payload):
    html = str(render_markdown(payload))

    assert problems(html) == [], html
    # Text content is escaped ("&lt;script"), so a literal "<script" could only be a tag.
    assert "<script" not in html.lower()


@pytest.mark.parametrize(
    "payload",
    [
        "[site](https://example.org/path?q=1)",
        "[plain](http://example.org/)",
        "[mail](mailto:team@example.org)",
        "<https://example.org/auto>",
        '<a href="https://example.org/raw">raw html link</a>',
        "[ref][ok]\n\n[ok]: https://example.org/ref",
    ],
)
def test_http_https_and_mailto_links_survive_with_noopener(payload):
    parsed = parse(str(render_markdown(payload)))

    links = [dict(attrs) for tag, attrs in parsed.tags if tag == "a"]
    assert len(links) == 1
    assert url_scheme(links[0]["href"]) in {"http", "https", "mailto"}
    assert "noopener" in links[0]["rel"].split()


def test_a_link_asking_for_opener_gets_noopener_instead():
    html = str(render_markdown('<a href="https://example.org" rel="opener">x</a>'))

    (link,) = [dict(attrs) for tag, attrs in parse(html).tags if tag == "a"]
    rel = link["rel"].split()
    assert "noopener" in rel
    assert "opener" not in rel


def test_unsafe_link_keeps_its_text_but_loses_its_target():
    html = str(render_markdown("[read the guide](javascript:alert(1))"))

    assert "read the guide" in html
    assert "href" not in html


def test_ordinary_markdown_still_renders():
    html = str(
        render_markdown(
            "## What we did\n\n*Calm* **corners** in `every` room:\n\n1. one\n2. two\n\n"
            "> a quote\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
        )
    )

    for fragment in (
        "<h2>What we did</h2>",
        "<em>Calm</em>",
        "<strong>corners</strong>",
        "<code>every</code>",
        "<ol>",
        "<blockquote>",
        "<table>",
        "<td>1</td>",
    ):
        assert fragment in html


def test_text_that_looks_like_html_is_escaped_not_dropped_in_code():
    html = str(render_markdown("Use `<script>` tags sparingly."))

    assert "<code>&lt;script&gt;</code>" in html


# --- The property ---------------------------------------------------------------------------

HTMLISH = [
    "<", ">", "</", "/>", '"', "'", "=", "&", "&#", "&#x", ";", ":", "\t", "\n", "\n\n", " ",
    "`", "```", "*", "_", "[", "]", "(", ")", "!", "#", "> ", "- ", "1. ", "{:", "}", "    ",
    "a", "p", "img", "script", "style", "iframe", "svg", "math", "object", "embed", "href",
    "src", "onerror", "onload", "onclick", "style=", "javascript", "vbscript", "data",
    "jav&#x09;ascript", "&#106;", "mailto", "https", "//", "x", "alert(1)", "<!--", "-->",
    "<![CDATA[", "]]>", "<a ", "<a href=", "<img src=x ", "<script>", "</script>",
    "<svg onload=", "<iframe src=", "markdown=\"1\"", "[x](", "![x](", "[x]: ",
]  # fmt: skip
htmlish_text = st.lists(st.one_of(st.sampled_from(HTMLISH), st.text(max_size=5)), max_size=40).map(
    "".join
)


def assert_harmless(text: str) -> None:
    html = str(render_markdown(text))
    assert problems(html) == [], (text, html)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_renders_to_allowed_markup_only(text):
    assert_harmless(text)


@settings(max_examples=1000, deadline=None)
@given(htmlish_text)
def test_any_mix_of_html_fragments_renders_to_allowed_markup_only(text):
    assert_harmless(text)
