"""The safety-lane rule (littrack.evidence.safety) on real citations, real recorded records and synthetic
paraphrases of the cases a careless rule gets wrong.

Real: the citations in ``safety_eval/real_citations.yaml`` (titles and PubMed MeSH as published) and every
record of the recorded PubMed corpus. SYNTHETIC (marked so where they are built): paraphrased titles,
objectives and conclusions, made-up MeSH combinations, for cases no real record here covers.
"""

from __future__ import annotations

import dataclasses

import pytest

from evidence_eval.europepmc import core_set, title_set
from evidence_eval.evalset import load_corpus
from evidence_eval.records import NLM_SAMPLE, metapub, record
from littrack.evidence.classify import classify
from littrack.evidence.safety import safety_signal
from littrack.markup import escape_text
from littrack.models import AbstractSection, Design, Evidence, EvidenceSource, Harm, MeshHeading, Paper
from safety_eval.measure import Citation, load_citations, mesh_heading

CITATIONS = load_citations()


def _id(c: Citation) -> str:
    return c.paper.title_plain[:50]


@pytest.mark.parametrize("citation", [c for c in CITATIONS if c.harm], ids=_id)
def test_real_reports_of_harm_reach_the_lane(citation: Citation) -> None:
    signal = safety_signal(citation.paper, classify(citation.paper))
    assert signal is not None
    assert signal.harms and signal.reason


@pytest.mark.parametrize("citation", [c for c in CITATIONS if not c.harm], ids=_id)
def test_real_ketamine_papers_that_report_no_harm_stay_out(citation: Citation) -> None:
    assert safety_signal(citation.paper, classify(citation.paper)) is None


@pytest.mark.parametrize("pmid", [22248834, 21844983, 24534547])
def test_pubmed_indexing_alone_qualifies_a_real_harm_report(pmid: int) -> None:
    (citation,) = [c for c in CITATIONS if c.paper.pmid == pmid]
    # The title removed: only MeSH and publication types are left to decide.
    paper = dataclasses.replace(citation.paper, title="Untitled")
    signal = safety_signal(paper)
    assert signal is not None
    assert signal.reason.startswith("MeSH Ketamine/adverse effects*")


def test_the_lane_says_which_harm_and_quotes_the_phrase() -> None:
    (cystitis,) = [c for c in CITATIONS if c.paper.pmid == 22248834]
    signal = safety_signal(cystitis.paper)
    assert signal is not None
    assert signal.harms[0] == Harm.URINARY
    assert "title: “Ketamine-snorting associated cystitis”" in signal.reason
    (liver,) = [c for c in CITATIONS if c.paper.pmid == 24534547]
    assert set(safety_signal(liver.paper).harms) == {Harm.LIVER, Harm.MISUSE}  # type: ignore[union-attr]


def test_no_record_of_the_recorded_corpus_enters_the_lane() -> None:
    # 682 real records, two about ketamine (a cat anaesthesia study, a depression review), none a harm report.
    assert [p.pmid for p in load_corpus() if safety_signal(p) is not None] == []


def test_no_real_europe_pmc_record_enters_the_lane() -> None:
    # 948 real MEDLINE titles (25 full records with MeSH) from Europe PMC replies: none about ketamine.
    records = {p.pmid: p for p in (*core_set(), *title_set())}
    assert len(records) > 900
    assert [p.pmid for p in records.values() if safety_signal(p) is not None] == []


def test_the_two_real_ketamine_records_stay_out() -> None:
    review = metapub(38011560)  # Ketamine/pharmacology, therapeutic use; a depression review
    cats = record(NLM_SAMPLE, 15278624)  # ketamine as the cats' anaesthetic
    assert safety_signal(review, classify(review)) is None
    assert safety_signal(cats, classify(cats)) is None


# --- SYNTHETIC paraphrases ---------------------------------------------------------------------------


def synthetic(
    title: str, *, abstract: tuple[AbstractSection, ...] = (), mesh: tuple[str, ...] = (), **kw: object
) -> Paper:
    """SYNTHETIC record (not from PubMed): a paraphrase of a case the rule must get right."""
    return Paper(
        pmid=90000001,
        title=escape_text(title),
        abstract=tuple(dataclasses.replace(s, text=escape_text(s.text)) for s in abstract),
        mesh=tuple(mesh_heading(m) for m in mesh),
        status="MEDLINE" if mesh else "Publisher",
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    "title",
    [
        "Ketamine for the treatment of alcohol use disorder: a randomised trial",
        "Esketamine to prevent postoperative delirium in older adults",
        "Ketamine infusions reduce pain in CRPS without ketamine-related adverse events over 12 weeks",
        "Dose dependence of ketamine analgesia in neuropathic pain",
        "Ketamine-assisted psychotherapy for substance use disorders",
    ],
)
def test_ketamine_as_treatment_or_a_negated_harm_is_not_a_harm_report(title: str) -> None:
    assert safety_signal(synthetic(title)) is None


@pytest.mark.parametrize(
    ("title", "harm"),
    [
        ("Hepatotoxicity after repeated ketamine infusions for CRPS: a case report", Harm.LIVER),
        ("Persistent psychosis in a recreational ketamine user", Harm.MISUSE),
        (
            "Esketamine nasal spray and blood pressure: hypertension following esketamine in clinical practice",
            Harm.CARDIOVASCULAR,
        ),
        ("Abuse of ketamine among pain patients", Harm.MISUSE),
        ("Adverse events of (S)-ketamine in a pharmacovigilance database", Harm.ADVERSE_EVENTS),
    ],
)
def test_paraphrased_harm_titles_qualify_with_their_harm(title: str, harm: Harm) -> None:
    signal = safety_signal(synthetic(title))
    assert signal is not None and harm in signal.harms


def test_a_background_sentence_about_abuse_does_not_put_a_trial_in_the_lane() -> None:
    paper = synthetic(
        "Oral ketamine for fibromyalgia: a randomised controlled trial",
        abstract=(
            AbstractSection("Ketamine abuse and ketamine cystitis are rising in young adults.", "BACKGROUND"),
            AbstractSection("Pain fell by 2 points at 12 weeks.", "RESULTS"),
            AbstractSection("Oral ketamine reduced pain in fibromyalgia.", "CONCLUSIONS"),
        ),
    )
    assert safety_signal(paper) is None


def test_a_stated_objective_or_conclusion_about_organ_harm_qualifies() -> None:
    objective = synthetic(
        "Liver function in patients receiving ketamine",
        abstract=(AbstractSection("To describe ketamine-related cholangiopathy in an infusion clinic.", "OBJECTIVE"),),
    )
    closing = synthetic(
        "Urological findings in an infusion clinic",
        abstract=(AbstractSection("Ketamine uropathy can follow repeated medical infusions.", "CONCLUSIONS"),),
    )
    assert safety_signal(objective).harms == (Harm.LIVER,)  # type: ignore[union-attr]
    assert safety_signal(closing).harms == (Harm.URINARY,)  # type: ignore[union-attr]


def test_a_trial_that_closes_on_mild_side_effects_stays_in_its_topic() -> None:
    paper = synthetic(
        "Intravenous ketamine for CRPS: a randomised controlled trial",
        abstract=(AbstractSection("Ketamine-induced psychotomimetic effects were mild and transient.", "CONCLUSIONS"),),
    )
    assert safety_signal(paper) is None


def test_mesh_adverse_effects_on_a_trial_needs_a_harm_heading_beside_it() -> None:
    trial = synthetic(
        "Intravenous ketamine for CRPS",
        mesh=("Ketamine/adverse effects", "Ketamine/therapeutic use", "Complex Regional Pain Syndromes/drug therapy*"),
        publication_types=("Randomized Controlled Trial",),
    )
    assert safety_signal(trial) is None
    with_harm = dataclasses.replace(
        trial, mesh=(*trial.mesh, MeshHeading("Hallucinations", qualifiers=(("chemically induced", False),)))
    )
    signal = safety_signal(with_harm)
    assert signal is not None and signal.harms == (Harm.PSYCHIATRIC,)
    assert "Hallucinations/chemically induced" in signal.reason


def test_mesh_misuse_counts_but_ketamine_treating_addiction_does_not() -> None:
    misuse = synthetic("Untitled", mesh=("Ketamine", "Substance-Related Disorders/epidemiology*"))
    treatment = synthetic("Untitled", mesh=("Ketamine/therapeutic use*", "Substance-Related Disorders/drug therapy*"))
    assert safety_signal(misuse).harms == (Harm.MISUSE,)  # type: ignore[union-attr]
    assert safety_signal(treatment) is None


def test_animal_models_and_notices_stay_out_of_the_lane() -> None:
    paper = synthetic("Ketamine-induced cystitis in rats: the role of mast cells")
    animal = Evidence(Design.PRECLINICAL, "Preclinical (animal / in vitro)", 7, EvidenceSource.FROM_TEXT, False)
    notice = Evidence(Design.NOTICE, "Erratum / retraction notice", 9, EvidenceSource.INDEXED, None)
    assert safety_signal(paper) is not None
    assert safety_signal(paper, animal) is None
    assert safety_signal(paper, notice) is None
