"""Real-page shapes as a user meets them: searched and faceted through `pressearch.Archive`.

The fixtures are the hand-written pages of tests/fixtures/articles/ for
wrapped taxonomy labels and referenced speakers (issue 14, "Real pages").
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pressearch import Archive
from tests.index.ingest.articles import FIXTURES

PAGES = ("taxonomy_wrapped.md", "format_example.md", "attribution_recent_speaker.md")
WRAPPED = "u6bdf79e08bb"  # taxonomy_wrapped.md, by its source URL
EXAMPLE = "u2cd69f8298b"  # format_example.md


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in PAGES:
        shutil.copy(FIXTURES / name, folder / name)
    archive = Archive.create(tmp_path / "index")
    report = archive.index([folder])
    assert (report.added, report.failed) == (len(PAGES), ())
    return archive


def test_every_value_of_a_wrapped_label_is_a_facet_value(archive: Archive) -> None:
    with archive:
        found = archive.search('target_group:"law enforcement"', facets=["target_group"])
        assert {hit.id for hit in found.hits} == {WRAPPED, EXAMPLE}
        assert [(f.value, f.count) for f in found.facets["target_group"]] == [
            ("General Public", 2),
            ("Healthcare Sector", 2),
            ("Industry", 2),
            ("Law Enforcement", 2),
            ("Other", 2),
            ("Academia", 1),
            ("Customs Authorities", 1),
            ("Financial Institutions", 1),
            ("Online Platforms", 1),
        ]
        # values on the continuation lines, and after a wrap before the separator
        assert archive.search('target_group:"online platforms"').total == 1
        assert archive.search('regions:"iberian peninsula"').total == 1
        # and nothing of the footer in the body
        assert archive.search('body:"target groups"').total == 0


def test_a_speaker_referred_to_by_title_is_found_by_name(archive: Archive) -> None:
    with archive:
        found = archive.search('speaker:"Mateus Ferreira"')
        assert [hit.path for hit in found.hits] == [
            str(archive.path.parent / "pages" / "attribution_recent_speaker.md")
        ]
        article = archive.get(found.hits[0].id)
        assert [q.speaker for q in article.quotes].count("Mateus Ferreira") == 2
        assert [q.speaker for q in article.quotes].count("Ana Kowalczyk") == 0
