"""The language switch on an answer page posts the same fields to the same page in the other language
(the public forms post their fields, so nothing typed is in an address or a log); elsewhere it is a link."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

RESULT = {"submitted": "1", "level": "50", "unit": "mg/dL", "kind": "genotype", "result": "ZZ"}


def _switch(html: str) -> tuple[str, list[tuple[str, str]]]:
    """The switch form's action and its hidden fields, as a browser would post them."""
    form = re.search(r'<form method="post" action="([^"]*)" class="language-repost">(.*?)</form>', html, re.S)
    assert form is not None, "the switch is a form on an answer page"
    fields = [(unescape(n), unescape(v)) for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">',
                                                                  form.group(2))]
    return unescape(form.group(1)), fields


def _answer(html: str) -> str:
    start = html.index('id="answer"')
    return html[start:html.index("</section>", start)]


def test_answer_page__the_switch_posts_the_same_fields_and_gives_the_same_answer_in_spanish(client: TestClient) -> None:
    english = client.post("/public/my-result", data=RESULT)
    action, fields = _switch(english.text)
    assert action == "/public/my-result?lang=es#answer"
    assert fields == list(RESULT.items())
    switched = client.post(action.split("#")[0], data=dict(fields))
    direct = client.post("/public/my-result?lang=es", data=RESULT)
    assert switched.status_code == direct.status_code == 200
    assert '<html lang="es">' in switched.text and _answer(switched.text) == _answer(direct.text)
    back, again = _switch(switched.text)
    assert back == "/public/my-result?lang=en#answer" and again == fields


def test_answer_page__repeated_fields_are_all_posted_again(client: TestClient) -> None:
    data = [("submitted", "1"), ("finding", "copd"), ("finding", "sibling_with_aatd"), ("age", "45.5")]
    body = "&".join(f"{name}={value}" for name, value in data)
    html = client.post("/public/should-i-be-tested", content=body,
                       headers={"content-type": "application/x-www-form-urlencoded"}).text
    action, fields = _switch(html)
    assert action == "/public/should-i-be-tested?lang=es#answer" and fields == data


def test_answer_page__typed_text_is_escaped_in_the_hidden_fields(client: TestClient) -> None:
    typed = '"><script>alert(1)</script>'
    html = client.post("/public/my-result", data=RESULT | {"result": typed}).text
    assert "<script>alert(1)" not in html
    _, fields = _switch(html)
    assert ("result", typed) in fields


def test_pages_without_posted_fields__the_switch_stays_a_link(client: TestClient) -> None:
    form = client.get("/public/my-result").text
    assert 'class="language-repost"' not in form and 'href="/public/my-result?lang=es"' in form
    ask = client.get("/public/ask", params={"q": "what is aatd"}).text
    assert 'href="/public/ask?q=what+is+aatd&amp;lang=es"' in ask
    upload = client.post("/public/check-my-dna", files={"dna_file": ("genome.txt", b"# nothing\n", "text/plain")})
    assert 'class="language-repost"' not in upload.text  # an uploaded file is not sent back
