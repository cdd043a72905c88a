"""Claim changes and the evidence page link as the digest renders them: file, e-mail HTML and plain text.

The view is built from real recorded records (digest_samples.py); the claim change rows are SYNTHETIC view rows
(the claims ledger makes them in production).
"""

from __future__ import annotations

import dataclasses

from digest_samples import build_view, real_papers
from littrack.digest.email_html import render_email_html
from littrack.digest.render import render_html, render_text
from littrack.models import ClaimChange

CHANGE = ClaimChange(
    key="healthrising-overview:0a1b2c3d4e5f",
    article="Ketamine and Fibromyalgia: An Overview",
    sentence="In a 2007 French study, subcutaneous ketamine reduced pain levels <b>and</b> increased blood flows.",
    message="A study cited by 'Ketamine and Fibromyalgia: An Overview' was corrected",
    before="cited study found",
    after="cited study corrected; cited study found",
)


def view(**changes: object):  # type: ignore[no-untyped-def]
    papers = real_papers()
    return dataclasses.replace(build_view([papers[35830032], papers[38914053]]), **changes)


def test_the_digest_file_links_the_evidence_page_and_shows_each_claim_change_with_its_ledger_entry() -> None:
    html = render_html(view(claim_changes=(CHANGE,), evidence_href="evidence.html"))
    assert '<a href="evidence.html">The evidence page</a>' in html
    assert '<li><a href="#claims">Claims of the background articles: what changed</a></li>' in html
    assert "A study cited by &#39;Ketamine and Fibromyalgia: An Overview&#39; was corrected" in html
    assert "<del>cited study found</del> → <ins>cited study corrected; cited study found</ins>" in html
    assert 'href="evidence.html#claim-healthrising-overview-0a1b2c3d4e5f"' in html
    assert "&lt;b&gt;and&lt;/b&gt;" in html  # an article's text is text


def test_without_changes_the_digest_has_no_claims_section_but_still_links_the_page() -> None:
    html = render_html(view(evidence_href="evidence.html"))
    assert 'id="claims"' not in html and 'href="evidence.html"' in html


def test_the_email_links_the_page_only_where_it_is_published() -> None:
    local = render_email_html(view(claim_changes=(CHANGE,), evidence_href="evidence.html"), abstract_chars=200)
    assert "evidence.html" not in local  # a relative link means nothing in a mailbox
    assert "was corrected" in local
    published = view(
        claim_changes=(CHANGE,), evidence_href="evidence.html", evidence_url="https://clinic.example/d/evidence.html"
    )
    html = render_email_html(published, abstract_chars=200)
    assert 'href="https://clinic.example/d/evidence.html#claim-healthrising-overview-0a1b2c3d4e5f"' in html
    hostile = render_email_html(dataclasses.replace(published, evidence_url="javascript:alert(1)"), abstract_chars=9)
    assert "javascript:" not in hostile


def test_the_plain_text_part_tells_the_change_and_the_published_page() -> None:
    text = render_text(
        view(claim_changes=(CHANGE,), evidence_url="https://clinic.example/d/evidence.html"), abstract_chars=200
    )
    assert "CLAIMS OF THE BACKGROUND ARTICLES: WHAT CHANGED" in text
    assert "* A study cited by 'Ketamine and Fibromyalgia: An Overview' was corrected\n" in text
    assert "  cited study found -> cited study corrected; cited study found\n" in text
    assert "Evidence page (every human study in the store, the background articles' claims):" in text
