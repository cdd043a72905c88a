"""The e-mail's HTML part: the digest as a briefing that arrives whole, within a byte budget at any size.

Gmail clips an HTML part over about 102 KB ("[Message clipped]"), hiding everything below the cut, and the
first digest after a backfill holds hundreds of papers. So the e-mail is not the digest file in another
layout but a briefing: the counts, the papers to read first and the first of the safety lane in full (their
abstracts shortened to Results and Conclusions), then every topic's papers one line each (title, design,
link), and the full digest one link away (``digest.public_url``) or attached. When the lines do not fit in
:data:`BUDGET`, each topic shows its best-ranked lines and says how many more the full digest holds; the
number of lines is the largest that fits (a binary search over renders), so a small digest loses nothing.

Pure: a view in, a string out; :mod:`littrack.digest.mail` inlines nothing more (every style here is inline
already) and sends it.
"""

from __future__ import annotations

from dataclasses import dataclass

from littrack.digest.render import briefing_of, environment, full_entries, page_url, safe_href
from littrack.digest.shorten import short_abstract
from littrack.digest.view import DigestView

# Gmail clips at ~102 KB; the message's quoted-printable encoding adds a few per cent on the wire.
BUDGET = 90_000
PRECLINICAL_LINES = 5  # preclinical papers listed by title in the e-mail, per topic


@dataclass(frozen=True)
class _Plan:
    """How much to show in full before the one-line lists; tried richest first."""

    safety: int  # safety-lane papers in full
    top: int  # briefing top papers in full
    trial_rows: int


_PLANS = (_Plan(5, 5, 20), _Plan(3, 3, 10), _Plan(0, 0, 5))


def render_email_html(
    view: DigestView, *, abstract_chars: int, attachment: str | None = None, budget: int = BUDGET
) -> str:
    """The HTML part, at most ``budget`` bytes of UTF-8 (see the module docstring).

    ``attachment``: the file name of the full digest attached to the message, when there is no public URL.
    """
    most = max((s.count for s in view.sections), default=0)
    html = ""
    for plan in _PLANS:
        html = _render(view, plan, most, abstract_chars, attachment)
        if _size(html) <= budget:
            return html
        low, high = 0, most  # the most lines per topic that fit: low fits (once checked), high does not
        html = _render(view, plan, 0, abstract_chars, attachment)
        if _size(html) > budget:
            continue  # even without any line the full entries are too much: show fewer in full
        while high - low > 1:
            mid = (low + high) // 2
            candidate = _render(view, plan, mid, abstract_chars, attachment)
            if _size(candidate) <= budget:
                low, html = mid, candidate
            else:
                high = mid
        return html
    return html  # the leanest plan without lines: only a pathological header could still be too big


def _size(html: str) -> int:
    return len(html.encode("utf-8"))


def _render(view: DigestView, plan: _Plan, lines: int, abstract_chars: int, attachment: str | None) -> str:
    briefing = briefing_of(view)
    full = full_entries(view, briefing, safety=plan.safety, top=plan.top)
    return (
        environment()
        .get_template("email.html")
        .render(
            view=view,
            briefing=briefing,
            full=full,
            abstracts={e.paper.pmid: short_abstract(e.paper.abstract, abstract_chars) for e in full},
            lines=lines,
            preclinical_lines=PRECLINICAL_LINES,
            trial_rows=plan.trial_rows,
            full_url=safe_href(view.full_digest_url),
            attachment=attachment,
            page_url=page_url(view),
        )
    )
