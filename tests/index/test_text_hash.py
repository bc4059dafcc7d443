"""text_hash: articles of identical text share it, so the query layer can collapse them."""

from __future__ import annotations

from pathlib import Path

from pressearch.index.reader import open_index
from pressearch.index.schema import text_hash
from pressearch.index.writer import build
from tests.conftest import write_article


def hashes(index_dir: Path) -> dict[str, str]:
    """Article headline -> text_hash, from the stored fields and, equal, from the column."""
    with open_index(index_dir).searcher() as searcher:
        stored = {(fields["path"], fields["text_hash"]) for fields in searcher.all_stored_fields()}
        column = searcher.reader().column_reader("text_hash")
        path_column = searcher.reader().column_reader("path")
        from_column = {(path_column[n], column[n]) for n in searcher.reader().all_doc_ids()}
    assert stored == from_column
    return {Path(path).stem: digest for path, digest in stored}


def test_identical_text_shares_a_hash_whatever_its_spacing_and_case(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    quotes = ["We will find them."]
    write_article(
        archive, "one.md", headline="Raid in Riga", body="Police  arrested\nfive.", quotes=quotes
    )
    # The same article saved from another page: other line breaks and capitals,
    # another address and date (the text is what counts).
    write_article(
        archive,
        "two.md",
        headline="RAID IN RIGA",
        body="Police arrested five.",
        quotes=quotes,
        url="https://other.example.org/copy",
        date="1 Jan 2020",
    )
    write_article(archive, "other-quote.md", headline="Raid in Riga", body="Police arrested five.")
    write_article(archive, "moved.md", headline="Raid in Riga Police", body="arrested five.")
    build([archive], tmp_path / "index")
    found = hashes(tmp_path / "index")
    assert found["one"] == found["two"]
    assert len({found["one"], found["other-quote"], found["moved"]}) == 3


def test_the_hash_is_of_headline_body_and_quotes_normalised() -> None:
    digest = text_hash("Raid  in Riga", "Police\narrested five.", ["We will find them."])
    assert digest == text_hash("raid in riga", "POLICE arrested five.", ["We  will find them."])
    assert digest != text_hash("raid in riga", "POLICE arrested five.", [])
    assert len(digest) == 32 and int(digest, 16) >= 0
