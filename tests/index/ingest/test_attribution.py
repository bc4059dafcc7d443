"""Quotes and who said them: attribution by name, pronoun and reference."""

from __future__ import annotations

import pytest

from pressearch.index.ingest.markdown import parse_markdown
from pressearch.models import Quote, Speaker
from tests.index.ingest.articles import (
    quotes_of,
    read_one,
)

# ---------------------------------------------------------------------------
# Quotes and attribution


def test_attribution_before_the_speech() -> None:
    assert quotes_of("attribution_before.md") == [
        ("The external border is a shared responsibility.", "Rūta Šileris"),
        ("We will send officers within weeks.", "Hans van der Berg"),
        ("the checks will be in place by the summer.", "Aoife Ó Briain"),
    ]


def test_attribution_after_the_speech() -> None:
    assert quotes_of("attribution_after.md") == [
        ("Fake medicines kill people, not just profits", "Jürgen Müller"),
        ("The buyers were told the pills came from licensed suppliers", "Petra Novák"),
        ("We are still tracing the money", "Jürgen Müller"),  # a surname on a card
    ]


def test_attribution_drops_titles_and_organisations_before_the_name() -> None:
    assert quotes_of("attribution_titles.md") == [
        ("Every one of these teams is a promise kept to victims", "Jane Doe"),
        ("Cross-border cases are now the norm", "John Roe"),
        ("The numbers speak for themselves", "Catherine De Bolle"),
    ]


def test_attribution_references_to_speaker_cards_and_pronouns() -> None:
    assert quotes_of("attribution_references.md") == [
        ("The victims were promised work and given debts", "Elena Petrova"),  # the Director
        ("We followed the money through nine countries", "Elena Petrova"),  # she added
        ("Judicial cooperation made the arrests possible", "Tomás Ruiz"),  # the prosecutor
        ("More arrests are expected", None),  # the spokesperson: nobody has that role
    ]


def test_attribution_references_to_people_named_in_the_text() -> None:
    assert quotes_of("attribution_earlier_person.md") == [
        ("Fraudsters do not respect borders, so neither can we", "Jürgen Stock"),
        ("Police cooperation is how we win", "Jürgen Stock"),  # INTERPOL + a leader's title
        ("Europe will keep up the pressure", "Catherine De Bolle"),  # the Executive Director
        ("This is only the beginning", "Jürgen Stock"),  # a surname named earlier
    ]


def test_attribution_with_apposition_and_lead_in_paragraph() -> None:
    article = read_one("attribution_apposition.md")
    assert [(q.text, q.speaker) for q in article.quotes] == [
        ("Speed is everything when money is moving", "Marta Kovač"),
        ("Banks see the fraud first", "Ivan Horvat"),
        # attributed by the paragraph before the block, which stays in the body
        ("Reports will go through a single secure channel.", "Ivan Horvat"),
    ]
    assert article.body.endswith("explained the new procedure to journalists and said:")


def test_attribution_with_affiliation_after_the_name() -> None:
    assert quotes_of("attribution_affiliation.md") == [
        (
            "These criminals spend more time with their victims than many of their families do.",
            "Sofie Lindgren",  # `X of the Swedish Police said`
        ),
        (
            "Nobody who loves you will ask you to invest in a platform you have never heard of",
            "Sofie Lindgren",  # her title, named in the quote before
        ),
        # `the Czech Republic` is a country, not a person: the phrase matches the card
        ("Judicial cooperation was fast", "Pieter Janssens"),
    ]


def test_attribution_with_apposition_after_the_verb_prefers_the_name() -> None:
    assert quotes_of("attribution_apposition_after.md") == [
        # `said the head of the investigation, Kadri Öztürk`: not the card whose role
        # starts `Head of…`
        ("The gang chose hospitals because they could not afford to wait", "Kadri Öztürk"),
        ("Every victim got their data back", "Catherine De Bolle"),
        # before the verb: not `Operation Fever Chart`
        ("The servers were in three countries.", "Ivo Horvat"),
        # `<Name>, <descriptor>` gives the name
        ("Decryption keys are online", "Jana Novák"),
        # an apposition that is no name does not count
        ("Six suspects will stand trial", "Tomás Ruiz"),
    ]


def test_reference_prefers_the_title_without_a_further_rank() -> None:
    assert quotes_of("attribution_closest_title.md") == [
        ("Containers are where smugglers hide the most", "Francesca Nieminen"),  # not Executive
        ("The plan takes effect at once", "Beatriz Rusu"),
        ("We will prosecute faster", "Iva Molina"),  # not the Deputy Prosecutor
    ]


def test_reference_continues_the_most_recent_speaker_whose_title_fits() -> None:
    assert quotes_of("attribution_recent_speaker.md") == [
        ("No country can face ransomware alone", "Mateus Ferreira"),
        # `the INTERPOL Chief` right after the Secretary General: not the card
        # of the Executive Director of Police Services, also at INTERPOL
        ("Today we agreed on how to share what we know within hours", "Mateus Ferreira"),
        ("The first joint operation starts next month", "Rafael Monteiro"),
        ("We expect arrests before the end of the year", "Rafael Monteiro"),  # the Director
        ("Every hour counts", "Lena Brandt"),
        # `the agency’s chief` continues the agency’s Executive Director
        ("That is why we built this", "Lena Brandt"),
    ]


def test_names_in_capitals_and_in_parentheses() -> None:
    assert quotes_of("attribution_names_in_capitals.md") == [
        ("Fraud is the crime most people meet", "Pieter VAN DAMME"),  # the card, as written there
        ("We will follow the money faster", "Marie-Claire DUBOIS"),  # after a title
        ("Our analysts are ready", "Marie-Claire DUBOIS"),  # a surname in capitals, named before
        ("Victims come first.", "Lena Brandt"),  # (name, organisation)
        ("This is a good day for the agency.", "Tomasz NOWAK"),  # (name, role)
        ("Welcome", "Ilse DE WAELE"),  # a particle in capitals
        ("The FBI agrees", None),  # an acronym is no name
    ]


@pytest.mark.parametrize("reference", ["the Secretary-General", "the Secretary General"])
def test_hyphenated_titles_are_their_words(reference: str) -> None:
    text = (
        "# H\n\nINTERPOL Secretary General Mateus Ferreira opened the meeting.\n\n"
        f"“\n\n“Text,” {reference} said.\n\n”\n\n"
        "Director-General Ana Lopes closed it.\n\n"
        f"“\n\n“More text,” {reference} added.\n\n”\n"
    )
    quotes = parse_markdown(text, path="/a.md", rel_path="a.md").quotes
    assert [q.speaker for q in quotes] == ["Mateus Ferreira", "Mateus Ferreira"]


def test_a_title_belongs_to_one_of_two_people_named_together() -> None:
    text = (
        "# H\n\nINTERPOL Secretary General Mateus Ferreira and Europol Executive Director"
        " Lena Brandt signed the agreement.\n\n"
        "“\n\n“Text,” said Lena Brandt.\n\n”\n\n"
        "“\n\n“More text,” the INTERPOL Chief added.\n\n”\n"
    )
    quotes = parse_markdown(text, path="/a.md", rel_path="a.md").quotes
    assert [q.speaker for q in quotes] == ["Lena Brandt", "Mateus Ferreira"]


def test_names_with_particles_apostrophes_and_hyphens_come_out_whole() -> None:
    article = read_one("names_with_particles.md")
    assert article.speakers == (
        Speaker("Saara de Vries", "Senior Specialist"),
        Speaker("Aoife Ó Briain", "Director, Garda National Bureau"),
        Speaker("Luca d’Alessandro", ""),  # a card without a role, name with `d’`
    )
    assert [(q.text, q.speaker) for q in article.quotes] == [
        # a surname with its particle names the card or the person named earlier
        ("The award belongs to the whole team.", "Saara de Vries"),
        ("We tracked the suspects across four borders", "Aoife Ó Briain"),
        ("Nothing would have worked without the prosecutors", "Luca d’Alessandro"),
        ("Our unit will use the prize money for training", "Jan van der Berg"),
        ("Cooperation is now routine.", "Ana da Silva"),
        ("I accept it for all the analysts", "Seán Mac Giolla"),
        ("This is a first for our country", "Paul McCartney"),
        ("We never gave up", "Anna-Lena Schmidt"),
        ("Thank you", "Jean-Luc Martin"),
    ]


def test_quote_segments_paragraphs_and_straight_quotes() -> None:
    assert quotes_of("quote_segments.md") == [
        ("We found the gang’s servers and we took them offline the same day.", "Lena Svensson"),
        ("Patients were never at risk.\n\nThe backups worked as planned", "Lena Svensson"),
        ("Paying the ransom was never an option", "Lena Svensson"),
        ("The investigation continues under the authority of the prosecutor.", None),
    ]


def test_unclosed_quote_block_takes_one_paragraph() -> None:
    article = read_one("quote_unclosed.md")
    assert article.quotes == (Quote("Never click a link in an unexpected message", None),)
    assert article.body.split("\n\n") == [
        "Text messages claiming a parcel is waiting are being used to steal card details.",
        "Anyone who entered card details should call their bank at once.",
        "Reports can be made online.",
    ]


@pytest.mark.parametrize(
    ("paragraph", "speaker"),
    [
        ("Marta Kovač said: “Text.”", "Marta Kovač"),
        ("“Text,” said Marta Kovač.", "Marta Kovač"),
        ("“Text,” Marta Kovač added.", "Marta Kovač"),
        ("“Text,” said Kovač.", "Marta Kovač"),
        ("“Text,” the prosecutor added.", "Tomás Ruiz"),
        ("“Text,” said the prosecutor in Madrid.", "Tomás Ruiz"),
        ("“Text,” the Head of the Financial Crime Unit added.", "Marta Kovač"),
        ("Chief Inspector Ana Silva of the Lisbon Police said: “Text.”", "Ana Silva"),
        ("In a statement, the Head of the Unit said: “Text.”", "Marta Kovač"),
        ("“Text,” Europol’s chief said.", None),
        ("“Text,” said Deputy Minister John Roe.", "John Roe"),
        ("“Text,” the agency’s Executive Director Jane Doe said.", "Jane Doe"),
        ("“Text,” said Jane Doe, Executive Director of the agency.", "Jane Doe"),
        ("“Text,” Jane Doe, Executive Director of the agency, said.", "Jane Doe"),
        ("“Text,” Jane Doe also said.", "Jane Doe"),
        ("Europol’s Executive Director, Catherine De Bolle, said: “Text.”", "Catherine De Bolle"),
        ("“Text,” Marta Kovač, who led the raid, said.", "Marta Kovač"),
        ("“Text,” the Head, Tomás Ruiz, said.", "Tomás Ruiz"),
        ("Jane Doe: “Text.”", "Jane Doe"),
        ("“Text,” said Catherine De Bolle, “and more text.”", "Catherine De Bolle"),
        ("“Text,” said Dr. John F. Kennedy.", "John F. Kennedy"),
        ("“Text,” said Will Smith.", "Will Smith"),
        ("“Text,” said Europol.", None),
        ("“Text,” they said.", None),
        ("“Text,” It said.", None),  # a pronoun opening the clause
        ("“Text” — Jane Doe", "Jane Doe"),
        ("“Text” — Jane Doe, Europol", "Jane Doe"),
        ("“Text” (Jane Doe, Europol)", "Jane Doe"),
        ("“Text.” (Jane Doe, Executive Director, Europol)", "Jane Doe"),
        ("“Text.” (Executive Director, Europol)", None),
        ("“Text,” said Europol Executive Director Catherine DE BOLLE.", "Catherine DE BOLLE"),
        ("Catherine DE BOLLE said: “Text.”", "Catherine DE BOLLE"),
        ("“Text,” said Jean-Luc MOREAU, Head of Unit.", "Jean-Luc MOREAU"),
        ("“Text,” said KOVAČ.", "Marta Kovač"),  # a card's surname in capitals
        ("“Text,” DE BOLLE said.", None),  # a surname in capitals, nobody known by it
        ("“Text,” said DG HOME.", None),
        ("“Text,” said UN Secretary-General Jane Doe.", "Jane Doe"),
        ("“Text,” the NCA said.", None),
        ("“Text,” Jane Doe said that the case was closed.", "Jane Doe"),
        ("Jane Doe said that “text.”", "Jane Doe"),
        ("“Text.”", None),
        ("“Text,” said the head of the investigation, Kadri Öztürk.", "Kadri Öztürk"),
        ("“Text,” said the prosecutor, Ana da Silva, who led the raid.", "Ana da Silva"),
        ("The head of the team, Jan van der Berg, said: “Text.”", "Jan van der Berg"),
        ("According to the head of the unit, Luca d’Alessandro, “text.”", "Luca d’Alessandro"),
        ("“Text,” said Kovač, the head of the unit.", "Marta Kovač"),
        ("“Text,” said the prosecutor, adding that Jane Doe agreed.", "Tomás Ruiz"),
    ],
)
def test_attribution_styles(paragraph: str, speaker: str | None) -> None:
    text = (
        "# H\n\n**Marta Kovač**  \nHead of the Financial Crime Unit\n\n"
        "**Tomás Ruiz**  \nProsecutor, Eurojust\n\nBody.\n\n“\n\n" + paragraph + "\n\n”\n"
    )
    quotes = parse_markdown(text, path="/a.md", rel_path="a.md").quotes
    assert [q.speaker for q in quotes] == [speaker]
    assert quotes[0].text.lower() in ("text", "text.", "text and more text.")


@pytest.mark.parametrize(
    ("paragraph", "speaker"),
    [
        ("“Text,” Lifeng He said.", "Lifeng He"),
        ("Ana van der It said: “Text.”", "Ana van der It"),
        ("“Text,” It said.", None),
        ("“Text,” and then it said.", None),
    ],
)
def test_a_card_name_that_ends_in_a_pronoun_is_the_name(
    paragraph: str, speaker: str | None
) -> None:
    # `He` and `It` end these names: before the verb, after a name's word, no pronoun.
    text = (
        "# H\n\n**Lifeng He**  \nMinister\n\n**Ana van der It**  \nProsecutor\n\n"
        "Body.\n\n“\n\n" + paragraph + "\n\n”\n"
    )
    quotes = parse_markdown(text, path="/a.md", rel_path="a.md").quotes
    assert [q.speaker for q in quotes] == [speaker]
