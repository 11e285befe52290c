""""Ask a question": full-text search over the curated question-and-answer knowledge base.

The knowledge base is ``aatd/data/questions.toml`` (English; ``questions.<lang>.toml`` for
other languages, same ids). At first use it is indexed in an in-memory SQLite FTS5 table
(Porter stemming, diacritics folded) and ranked with BM25, weighting the question text
and the keywords above the answer (:data:`BM25_WEIGHTS`).

Typo tolerance: each query word that is not in the index vocabulary is replaced by the
closest vocabulary word within a small edit distance (Damerau-Levenshtein; ties go to
the more frequent word), so "emfysema", "genotipe" and "alpha1 antitrypson" still find
their entries; the corrected query is returned as ``did_you_mean``.

Safety first: a query that shows distress or thoughts of self-harm (the cited phrase table of
:mod:`aatd.patients.crisis`) returns ``crisis`` with the crisis line of the configured country
before anything else, is never spelling-corrected, and shows only the support answers.

Ranking: BM25 candidates are re-scored so that genotype words (MZ, SZ, ZZ...) in the query
favour answers about that genotype and disfavour answers about a different one, and so that
who is asking (me, my child, my partner, a parent, a sibling, another relative; typed or
chosen) favours answers written for that person (:data:`RANK_FACTORS`).

Languages: English is indexed with FTS5's Porter stemmer; other languages are stemmed with
the Snowball stemmer of that language before indexing (FTS5 has no Spanish stemmer).

Escalation: a query that describes urgent symptoms (chest pain, coughing blood, severe
breathlessness, a yellow baby) returns ``escalate: true`` and a prominent message to
seek urgent care, whatever the search finds. Nothing typed here is stored.
This module is a pure core: no HTTP, JSON-ready answers.
"""

from __future__ import annotations

import html
import re
import sqlite3
import threading
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from aatd.errors import AatdError, InputError
from aatd.knowledge import knowledge, split_sources
from aatd.patients.i18n import gettext
from aatd.patients.text import normalise

DEFAULT_LANGUAGE = "en"
MAX_QUERY_LENGTH = 300
MAX_LIMIT = 50
URGENT_ENTRY = "urgent-help"
"""The entry shown first whenever a query is escalated."""
MIN_SCORE = 0.01
"""Results scoring below this (a word found in nearly every entry) are left out."""
BM25_WEIGHTS = (10.0, 6.0, 1.0)
"""BM25 column weights: question, keywords, answer."""

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_LANG = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FIELDS = ("id", "category", "question", "answer", "related", "keywords", "source")
STOPWORDS = frozenset({
    "a", "about", "am", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can", "could",
    "did", "do", "does", "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it",
    "its", "me", "my", "of", "on", "or", "our", "should", "so", "than", "that", "the", "their", "them",
    "then", "there", "these", "they", "this", "to", "was", "we", "what", "when", "where", "which", "who",
    "why", "will", "with", "would", "you", "your",
})
"""Words ignored in English queries (they match nearly every entry)."""

SPANISH_STOPWORDS = frozenset({
    "a", "al", "algo", "como", "con", "cual", "cuando", "de", "del", "donde", "el", "ella", "en", "es", "esta",
    "este", "esto", "hay", "la", "las", "le", "lo", "los", "me", "mi", "mis", "muy", "no", "o", "para", "pero",
    "por", "porque", "puedo", "que", "qué", "se", "si", "sin", "soy", "su", "sus", "tengo", "tiene", "un",
    "una", "uno", "y", "ya", "yo",
})
"""Words ignored in Spanish queries."""

LANGUAGE_STOPWORDS: dict[str, frozenset[str]] = {"en": STOPWORDS, "es": SPANISH_STOPWORDS}
SNOWBALL_NAMES = {"es": "spanish", "pt": "portuguese", "fr": "french", "de": "german", "it": "italian"}
"""Snowball stemmer per non-English language code."""

GENOTYPE_WORDS = frozenset({"mm", "ms", "mz", "ss", "sz", "zz", "si", "fz", "iz"})
"""Two-letter AAT genotypes recognised as genotype words in queries and question texts."""
ASKER_WORDS: dict[str, frozenset[str]] = {
    "child": frozenset({"child", "children", "kid", "kids", "son", "sons", "daughter", "daughters", "baby",
                        "babies", "newborn", "hijo", "hijos", "hija", "hijas", "nino", "ninos", "nina", "bebe"}),
    "partner": frozenset({"partner", "husband", "wife", "spouse", "boyfriend", "girlfriend", "pareja", "esposo",
                          "esposa", "marido", "novio", "novia"}),
    "parent": frozenset({"mum", "mom", "mother", "dad", "father", "parent", "parents", "madre", "padre",
                         "mama", "papa", "padres"}),
    "sibling": frozenset({"brother", "sister", "sibling", "siblings", "hermano", "hermana", "hermanos"}),
    "relative": frozenset({"aunt", "uncle", "cousin", "grandparent", "grandmother", "grandfather", "niece",
                           "nephew", "tia", "tio", "primo", "prima", "abuelo", "abuela", "sobrino", "sobrina"}),
}
"""Words that say who the question is about (checked before stopwords are removed)."""
ASKERS = ("me", *ASKER_WORDS)
RANK_FACTORS = {"genotype_match": 2.0, "genotype_other": 0.4, "genotype_unasked": 0.7, "asker_match": 1.5,
                "asker_other": 0.8}
"""Re-scoring factors of the BM25 score (ranking weights, not clinical numbers): the entry's
question names a queried genotype / names only other genotypes / names a genotype the query
does not mention / is about the person asked about / is about someone else."""
CANDIDATES = 40
"""BM25 candidates re-scored before the top ``limit`` are returned."""
DISEASE_NAME = re.compile(r"\b(alpha|alfa) ?(1|one|uno)\b|\balpha ?1 ?antitrypsin\b|\b(aatd|daat|a1at|a1ad)\b")
"""The condition's own name: in nearly every answer, so it is dropped from a query that has other words."""
CRISIS_ENTRIES = ("feeling-down", "support-groups")
"""The only answers shown under a crisis message."""

URGENT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chest pain", re.compile(r"\bchest\b.{0,20}\b(pain|pains|hurts?|tight|tightness|pressure)\b"
                              r"|\b(pain|pains)\b.{0,12}\bchest\b")),
    ("coughing blood", re.compile(r"\b(cough\w*|spit\w*|bring\w* up)\b.{0,20}\bblood\w*\b"
                                  r"|\bblood\w*\b.{0,20}\b(cough\w*|phlegm|sputum|mucus)\b")),
    ("severe breathlessness", re.compile(
        r"\b(can ?not|cannot|can t|cant|unable to|struggling to|hard to)\s+(breathe|breath|speak|talk)\b"
        r"|\b(severe\w*|very|extreme\w*|sudden\w*)\s+(short(ness)? of breath|breathless\w*)\b"
        r"|\bgasping\b|\bblue lips\b|\blips (are |turning |turned )?blue\b")),
    ("yellow baby", re.compile(
        r"\b(baby|babies|newborn|infant|child|toddler)\b.{0,40}\b(yellow|jaundice\w*)\b"
        r"|\b(yellow|jaundice\w*)\b.{0,40}\b(baby|babies|newborn|infant)\b")),
)
"""Urgent-symptom patterns checked on the normalised (and spelling-corrected) query."""

SPANISH_URGENT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chest pain", re.compile(r"\bdolor\w* (de|en el) pecho\b|\bpecho\b.{0,20}\b(duele|dolor|presion|opresion)\b")),
    ("coughing blood", re.compile(r"\b(toso|tosiendo|tose|escupo|escupiendo)\b.{0,20}\bsangre\b"
                                  r"|\bsangre\b.{0,20}\b(tos|flema\w*|esputo)\b")),
    ("severe breathlessness", re.compile(r"\bno puedo (respirar|hablar)\b|\bme ahogo\b|\bme estoy ahogando\b"
                                         r"|\b(mucha|muchisima) falta de aire\b|\blabios (azules|morados)\b")),
    ("yellow baby", re.compile(r"\b(bebe|recien nacido|nino|nina)\b.{0,40}\b(amarill\w*|ictericia)\b"
                               r"|\b(amarill\w*|ictericia)\b.{0,40}\b(bebe|recien nacido)\b")),
)
"""The same urgent symptoms in Spanish (checked whatever the page language)."""


@dataclass(frozen=True, slots=True)
class QAEntry:
    """One question and its answer."""

    id: str
    category: str
    question: str
    answer: str
    related: tuple[str, ...]
    keywords: tuple[str, ...]
    sources: tuple[str, ...]
    language: str

    def as_dict(self) -> dict[str, object]:
        """The entry as a JSON-ready mapping (related questions and sources resolved)."""
        return {
            "id": self.id, "category": self.category, "question": self.question, "answer": self.answer,
            "language": self.language, "related": _related(self), "sources": _sources(self.sources),
            "keywords": list(self.keywords),
        }


# --- loading -------------------------------------------------------------------------

def _data_file(language: str) -> str:
    return "questions.toml" if language == DEFAULT_LANGUAGE else f"questions.{language}.toml"


def available_languages() -> tuple[str, ...]:
    """Languages with a knowledge-base file (English always)."""
    folder = resources.files("aatd").joinpath("data")
    found = {p.name[len("questions."):-len(".toml")] for p in folder.iterdir()
             if p.name.startswith("questions.") and p.name.endswith(".toml") and p.name != "questions.toml"}
    return (DEFAULT_LANGUAGE, *sorted(found))


def _resolve_language(language: str) -> str:
    if not isinstance(language, str) or not _LANG.match(language):
        raise InputError("language", language, "a language code such as 'en' or 'pt_BR'")
    return language if language in available_languages() else DEFAULT_LANGUAGE


def _parse_entry(raw: dict[str, object], language: str, where: str) -> QAEntry:
    missing = [f for f in _FIELDS if f not in raw]
    if missing:
        raise InputError(where, sorted(raw), "an entry with " + ", ".join(_FIELDS),
                         hint="missing " + ", ".join(missing))
    text = {f: raw[f] for f in ("id", "category", "question", "answer", "source")}
    for name, value in text.items():
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{where}.{name}", value, "a non-empty string")
    lists = {f: raw[f] for f in ("related", "keywords")}
    for name, value in lists.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{where}.{name}", value, "a list of strings")
    entry_id = str(text["id"])
    if not _ID.match(entry_id):
        raise InputError(f"{where}.id", entry_id, "lower-case words joined by '-'")
    return QAEntry(
        id=entry_id, category=str(text["category"]), question=" ".join(str(text["question"]).split()),
        answer=" ".join(str(text["answer"]).split()), related=tuple(lists["related"]),  # type: ignore[arg-type]
        keywords=tuple(lists["keywords"]), sources=split_sources(str(text["source"])),  # type: ignore[arg-type]
        language=language,
    )


@cache
def load_entries(language: str = DEFAULT_LANGUAGE) -> tuple[QAEntry, ...]:
    """The knowledge base in ``language`` (validated; unknown languages give English)."""
    lang = _resolve_language(language)
    name = _data_file(lang)
    raw = tomllib.loads(resources.files("aatd").joinpath("data", name).read_text(encoding="utf-8"))
    items = raw.get("question")
    if not isinstance(items, list) or not items:
        raise InputError(name, sorted(raw), "a list of [[question]] tables")
    entries = tuple(_parse_entry(item, lang, f"{name}[{i}]") for i, item in enumerate(items))
    ids = Counter(e.id for e in entries)
    duplicates = sorted(i for i, n in ids.items() if n > 1)
    if duplicates:
        raise InputError(name, duplicates, "unique question ids")
    return entries


def validate_entries(language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Problems in the knowledge base: unknown related ids or sources; empty if none."""
    entries = load_entries(language)
    ids = {e.id for e in entries}
    sources = knowledge().sources
    problems = [f"{e.id}: related id {r!r} does not exist" for e in entries for r in e.related if r not in ids]
    problems += [f"{e.id}: relates to itself" for e in entries if e.id in e.related]
    problems += [f"{e.id}: unknown source {s!r}" for e in entries for s in e.sources if s not in sources]
    problems += [f"{e.id}: no source" for e in entries if not e.sources]
    return problems


def _by_id(language: str) -> dict[str, QAEntry]:
    return {e.id: e for e in load_entries(language)}


def _related(entry: QAEntry) -> list[dict[str, str]]:
    index = _by_id(entry.language)
    return [{"id": r, "question": index[r].question} for r in entry.related if r in index]


def _sources(source_ids: tuple[str, ...]) -> list[dict[str, str]]:
    sources = knowledge().sources
    out = []
    for sid in source_ids:
        src = sources.get(sid)
        if src is None:
            continue
        out.append({"id": sid, "label": src.short, "citation": src.citation, "url": src.link})
    return out


def get_question(question_id: str, language: str = DEFAULT_LANGUAGE) -> dict[str, object]:
    """One entry by id (JSON-ready); :class:`InputError` if there is no such id."""
    index = _by_id(_resolve_language(language))
    if not isinstance(question_id, str) or question_id not in index:
        raise InputError("id", question_id, "the id of a question in the knowledge base")
    return index[question_id].as_dict()


def load_entry(question_id: str, language: str = DEFAULT_LANGUAGE) -> QAEntry:
    """One entry by id; :class:`InputError` if there is no such id."""
    index = _by_id(_resolve_language(language))
    if not isinstance(question_id, str) or question_id not in index:
        raise InputError("id", question_id, "the id of a question in the knowledge base")
    return index[question_id]


def categories(language: str = DEFAULT_LANGUAGE) -> list[str]:
    """The categories in the order they first appear."""
    return list(dict.fromkeys(e.category for e in load_entries(language)))


def list_questions(category: str | None = None, language: str = DEFAULT_LANGUAGE) -> list[dict[str, str]]:
    """``[{"id", "question", "category"}]`` for all entries, or for one category."""
    entries = load_entries(language)
    if category is not None and category not in categories(language):
        raise InputError("category", category, "one of " + ", ".join(categories(language)))
    return [{"id": e.id, "question": e.question, "category": e.category}
            for e in entries if category is None or e.category == category]


# --- the index -----------------------------------------------------------------------

def words(text: str) -> list[str]:
    """The normalised words of ``text``."""
    return _WORD.findall(normalise(text))


def _require_fts5(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
        conn.execute("DROP TABLE temp.fts5_probe")
    except sqlite3.OperationalError as exc:
        raise AatdError(
            f"SQLite FTS5 is not available in this Python (SQLite {sqlite3.sqlite_version}): {exc}. "
            "Install a Python whose sqlite3 module is built with FTS5 (the python.org and most Linux "
            "distribution builds are)."
        ) from exc


@dataclass
class _Index:
    conn: sqlite3.Connection
    vocabulary: Counter[str]
    lock: threading.Lock


@cache
def _stemmer(language: str) -> Callable[[str], str] | None:
    """The Snowball stemmer of ``language`` (``None`` for English, which FTS5's Porter stems)."""
    name = SNOWBALL_NAMES.get(language.split("_")[0])
    if name is None:
        return None
    import snowballstemmer  # type: ignore[import-untyped]

    stem: Callable[[str], str] = snowballstemmer.stemmer(name).stemWord
    return stem


def _index_text(text: str, language: str) -> str:
    stem = _stemmer(language)
    return normalise(text) if stem is None else " ".join(stem(w) for w in words(text))


def _stem_terms(terms: list[str], language: str) -> list[str]:
    stem = _stemmer(language)
    return terms if stem is None else list(dict.fromkeys(stem(t) for t in terms))


@cache
def _index(language: str) -> _Index:
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    _require_fts5(conn)
    tokenizer = "unicode61 remove_diacritics 2"
    if _stemmer(language) is None:
        tokenizer = "porter " + tokenizer
    conn.execute("CREATE VIRTUAL TABLE qa USING fts5(id UNINDEXED, question, keywords, answer, "
                 f"tokenize = '{tokenizer}')")
    vocabulary: Counter[str] = Counter()
    for e in load_entries(language):
        fields = (e.question, " ".join(e.keywords), e.answer)
        conn.execute("INSERT INTO qa (id, question, keywords, answer) VALUES (?, ?, ?, ?)",
                     (e.id, *(_index_text(f, language) for f in fields)))
        vocabulary.update(set(words(" ".join(fields))))
    return _Index(conn, vocabulary, threading.Lock())


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _allowed_distance(word: str) -> int:
    return 0 if len(word) < 4 else 1 if len(word) < 6 else 2 if len(word) < 10 else 3


def correct_word(word: str, vocabulary: Counter[str]) -> str:
    """``word`` if the index knows it, else the nearest known word within a small distance."""
    if word in vocabulary or word.isdigit():
        return word
    allowed = _allowed_distance(word)
    if allowed == 0:
        return word
    best: tuple[int, int, str] | None = None
    for candidate, count in vocabulary.items():
        distance = edit_distance(word, candidate, allowed)
        if distance <= allowed and (best is None or (distance, -count, candidate) < best):
            best = (distance, -count, candidate)
    return best[2] if best else word


# --- search --------------------------------------------------------------------------

def _check_query(query: object, limit: object) -> str:
    if not isinstance(query, str) or not query.strip():
        raise InputError("query", query, "a question or a few words to search for")
    if len(query) > MAX_QUERY_LENGTH:
        raise InputError("query", query[:40] + "...", f"at most {MAX_QUERY_LENGTH} characters")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InputError("limit", limit, f"a whole number from 1 to {MAX_LIMIT}")
    return query


def escalation(query: str, language: str = DEFAULT_LANGUAGE) -> dict[str, object] | None:
    """The urgent-care message when ``query`` describes urgent symptoms, else ``None``."""
    text = " ".join(words(query))
    reasons = list(dict.fromkeys(name for name, pattern in (*URGENT_PATTERNS, *SPANISH_URGENT_PATTERNS)
                                 if pattern.search(text)))
    if not reasons:
        return None
    return {
        "level": "urgent",
        "reasons": reasons,
        "message": gettext(
            "These symptoms can be serious. Do not wait for an answer here: call your local emergency "
            "number or go to the nearest emergency department now. If you are unsure, call your doctor "
            "or a nurse helpline straight away.", language),
    }


def _fts_query(terms: list[str]) -> str:
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _snippet(entry: QAEntry, terms: list[str], length: int = 200) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", entry.answer)
    stems = [t[:5] for t in terms]

    def hits(sentence: str) -> int:
        found = words(sentence)
        return sum(any(w.startswith(s) for w in found) for s in stems)

    best = max(range(len(sentences)), key=lambda i: (hits(sentences[i]), -i))
    text = " ".join(sentences[best:])
    return text if len(text) <= length else text[:length].rsplit(" ", 1)[0] + " …"


def _highlight(snippet: str, terms: list[str]) -> str:
    stems = tuple(t[:5] for t in terms if len(t) >= 3)
    out = []
    for token in re.split(r"(\W+)", snippet):
        escaped = html.escape(token)
        out.append(f"<mark>{escaped}</mark>" if stems and normalise(token).startswith(stems) else escaped)
    return "".join(out)


def _matches(index: _Index, word: str, language: str) -> bool:
    """True when ``word`` (after stemming) occurs in the index, so it needs no correction."""
    with index.lock:
        row = index.conn.execute("SELECT 1 FROM qa WHERE qa MATCH ? LIMIT 1",
                                 (_fts_query(_stem_terms([word], language)),)).fetchone()
    return row is not None


def _rank(index: _Index, terms: list[str], limit: int) -> list[tuple[str, float]]:
    if not terms:
        return []
    sql = (f"SELECT id, bm25(qa, 0.0, {BM25_WEIGHTS[0]}, {BM25_WEIGHTS[1]}, {BM25_WEIGHTS[2]}) AS score "
           "FROM qa WHERE qa MATCH ? ORDER BY score LIMIT ?")
    with index.lock:
        rows = index.conn.execute(sql, (_fts_query(terms), limit)).fetchall()
    return [(str(row[0]), -float(row[1])) for row in rows if -float(row[1]) >= MIN_SCORE]


def genotype_words(text: str) -> frozenset[str]:
    """The genotype words (``mz``, ``zz``...) in ``text``; ``pi*zz`` counts as ``zz``."""
    return frozenset(w for w in words(text.replace("*", " ")) if w in GENOTYPE_WORDS)


def asker_of(text: str) -> str:
    """Who ``text`` is about: the first of ``child``, ``partner``, ``parent``, ``sibling`` or ``relative``
    named in it, else ``me``."""
    for word in words(text):
        for who, vocab in ASKER_WORDS.items():
            if word in vocab:
                return who
    return "me"


def _rescored(entry: QAEntry, score: float, genotypes: frozenset[str], asker: str) -> float:
    own = genotype_words(entry.question)
    if genotypes and own:
        score *= RANK_FACTORS["genotype_match"] if own & genotypes else RANK_FACTORS["genotype_other"]
    elif own:
        score *= RANK_FACTORS["genotype_unasked"]
    about = asker_of(entry.question)
    if about != "me":
        score *= RANK_FACTORS["asker_match"] if about == asker else RANK_FACTORS["asker_other"]
    return score


def _result(entry: QAEntry, terms: list[str], score: float | None) -> dict[str, object]:
    snippet = _snippet(entry, terms)
    return {"id": entry.id, "question": entry.question, "category": entry.category, "snippet": snippet,
            "snippet_html": _highlight(snippet, terms), "score": None if score is None else round(score, 4),
            "related": _related(entry), "sources": _sources(entry.sources), "find_care": mentions_care(entry)}


def mentions_care(entry: QAEntry) -> bool:
    """Whether the answer sends the reader to a specialist or a patient group (so it links to Find care)."""
    text = normalise(entry.answer)
    return any(w in text for w in ("specialist", "find care", "especialista", "buscar ayuda", "patient group",
                                   "asociacion de pacientes", "reference centre", "centro de referencia"))


def _pin_first(results: list[dict[str, object]], entry: QAEntry, terms: list[str],
               limit: int) -> list[dict[str, object]]:
    """``results`` with ``entry`` (the urgent-help answer) moved or added to the top."""
    found = [r for r in results if r["id"] == entry.id]
    rest = [r for r in results if r["id"] != entry.id]
    if found:
        return [found[0], *rest]
    return [_result(entry, terms, None), *rest][:limit]


def _check_asker(asker: str | None) -> str | None:
    if asker is not None and asker not in ASKERS:
        raise InputError("asker", asker, "one of " + ", ".join(ASKERS))
    return asker


def _without_disease_name(terms: list[str]) -> list[str]:
    """``terms`` without the condition's name, unless nothing else would remain."""
    specific = _WORD.findall(DISEASE_NAME.sub(" ", " ".join(terms)))
    return specific or terms


def search_questions(query: str, *, limit: int = 10, language: str = DEFAULT_LANGUAGE,
                     asker: str | None = None, country: str | None = None) -> dict[str, object]:
    """Search the knowledge base; a JSON-ready answer.

    Returns ``{"query", "language", "terms", "did_you_mean", "crisis", "escalate",
    "escalation", "asker", "genotypes", "results": [{"id", "question", "category",
    "snippet", "snippet_html", "score", "related", "sources", "find_care"}], "disclaimer"}``.
    ``crisis`` (the crisis message and the crisis line of ``country``) comes first when the
    query shows distress; then the query is not corrected and only support answers are
    given. ``asker`` (who the question is about) is read from the query unless given.
    ``score`` is the re-scored BM25 score (higher is better).
    """
    from aatd.patients.crisis import crisis_response

    _check_query(query, limit)
    lang = _resolve_language(language)
    chosen_asker = _check_asker(asker)
    index = _index(lang)
    entries = _by_id(lang)
    stopwords = LANGUAGE_STOPWORDS.get(lang.split("_")[0], STOPWORDS)
    raw_terms = [w for w in words(query) if w not in stopwords]
    crisis = crisis_response(query, language=lang, country=country)
    genotypes = genotype_words(query)
    who = chosen_asker if chosen_asker not in (None, "me") else asker_of(query)
    if crisis is not None:
        terms, corrected = raw_terms, False
        results = [_result(entries[i], terms, None) for i in CRISIS_ENTRIES if i in entries][:limit]
    else:
        terms = [w if _matches(index, w, lang) else correct_word(w, index.vocabulary) for w in raw_terms]
        corrected = terms != raw_terms
        ranked = [(entries[i], _rescored(entries[i], score, genotypes, who))
                  for i, score in _rank(index, _stem_terms(_without_disease_name(terms), lang), max(limit, CANDIDATES))]
        ranked.sort(key=lambda pair: -pair[1])
        results = [_result(entry, terms, score) for entry, score in ranked[:limit]]
    urgent = escalation(query, lang) or (escalation(" ".join(terms), lang) if corrected else None)
    if urgent is not None and URGENT_ENTRY in entries:
        results = _pin_first(results, entries[URGENT_ENTRY], terms, limit)
    return {
        "query": query, "language": lang, "terms": terms,
        "did_you_mean": " ".join(terms) if corrected else None, "crisis": crisis,
        "escalate": urgent is not None, "escalation": urgent, "asker": who, "genotypes": sorted(genotypes),
        "results": results,
        "disclaimer": gettext("These answers are general information. They support, but do not replace, "
                              "advice from your own doctor.", lang),
    }
