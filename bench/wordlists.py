"""The word lists the article generator draws from: newsroom vocabulary, names, places, taxonomy.

Model: plain data, ordered where the order means something (function words
by frequency, the head of the Zipf curve); `bench.generate` ranks and mixes
them. Kept apart so the generator's logic reads on its own.
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    """The words of a whitespace-separated list: keeps long word lists readable."""
    return text.split()


# Function words in rough frequency order: the head of the Zipf curve.
FUNCTION_WORDS = _words("""the of and to in a that for is on with as was by said it at from be has
have are were which an this its their his been will also more not or after who than they had
two over into against about all would new other one can during between under such these up
out there most some when while where through three first including across since both only
before each them our any we but because according those per so then now last year years
her she he time well part made many may should could further four five six several however
must without within among people next still what well-known around being them over last""")

# Newsroom vocabulary: nouns (singular and plural as used) and adjectives, then
# verbs, which also appear inflected. The order is shuffled once with a fixed
# seed, so the Zipf rank of a word never changes.
CONTENT_WORDS = _words("""
police investigation operation arrest suspect network criminal crime authorities agency
officers investigators country countries border cooperation action day support member states
european international national local regional judicial prosecutor court trial sentence
prison evidence search house raid seizure seized assets money cash bank account accounts
payment payments transaction transfer financial economic fraud scheme victim victims public
report analysis threat assessment risk security data information intelligence exchange
platform online digital internet website server servers user users service services tool
tools software device devices phone phones encrypted communication communications message
messages chat police-led coordinated joint team teams unit units centre center headquarters
meeting conference workshop training programme project funding budget strategy policy law
laws legislation regulation directive rule rules framework agreement partnership partners
partner organisation organisations institution institutions commission council parliament
minister ministry government official officials director head chief deputy spokesperson
expert experts specialist specialists analyst analysts staff member members representative
representatives delegation delegations network networks group groups gang gangs clan clans
leader leaders boss bosses member smuggler smugglers trafficker traffickers dealer dealers
drug drugs cocaine heroin cannabis methamphetamine amphetamine ecstasy synthetic precursor
precursors laboratory laboratories lab labs production shipment shipments container
containers port ports vessel vessels truck trucks vehicle vehicles car cars airport airports
flight flights route routes migrant migrants asylum document documents false forged identity
identities passport passports visa visas weapon weapons firearm firearms gun guns ammunition
explosive explosives attack attacks terrorist terrorists terrorism extremist extremism
propaganda content radical radicalisation recruitment violence violent child children abuse
exploitation material images abuser offender offenders victim identification rescue
rescued safeguarding cyber ransomware malware phishing botnet hacker hackers breach breaches
vulnerability vulnerabilities infrastructure takedown domain domains cryptocurrency bitcoin
wallet wallets exchange exchanges laundering launderer launderers mule mules shell company
companies business businesses firm firms tax vat carousel customs excise tobacco cigarettes
counterfeit counterfeits goods products medicines pharmaceutical pharmaceuticals food fish
wildlife waste environmental pollution timber protected species poaching trade market
markets price prices value worth million billion euro euros dollar dollars percent increase
decrease rise fall growth trend trends pattern patterns level levels number numbers figure
figures total amount amounts result results outcome impact effect effects response crisis
pandemic health emergency situation challenge challenges opportunity opportunities priority
priorities goal goals objective objectives mission mandate role responsibility capacity
capability capabilities resource resources expertise knowledge experience practice practices
lesson lessons standard standards quality approach approaches method methods technique
techniques technology technologies innovation research study studies survey review
evaluation monitoring control controls check checks inspection inspections audit audits
warning alert notice notices request requests order orders warrant warrants extradition
surrender custody detention hearing charge charges conviction convictions appeal penalty
fine fines confiscation recovery asset freezing frozen property properties real estate
luxury watches jewellery gold art artwork artworks cultural heritage theft thefts burglary
robbery robberies organised serious major large small significant important key main
central general special specific particular different various several numerous further
additional recent current previous former future annual monthly weekly daily early late
successful effective efficient strong close direct indirect high low long short wide broad
global cross-border transnational multinational bilateral multilateral operational
strategic tactical technical legal illegal illicit unlawful lawful criminal-owned hidden
secret covert undercover suspected alleged accused convicted wanted missing vulnerable
young old elderly female male foreign domestic northern southern eastern western rural
urban coastal maritime aerial land sea air rail road
""")
VERBS = _words("""
investigate identify detect prevent disrupt dismantle target combat fight tackle counter
protect secure support assist help coordinate facilitate enable strengthen improve enhance
develop establish launch organise host attend present publish release announce confirm
reveal show indicate suggest estimate calculate analyse assess evaluate monitor track trace
follow locate find discover uncover expose reach involve include cover concern affect
increase reduce continue remain become provide deliver offer receive obtain gather collect
share exchange process store transfer move transport ship import export sell buy purchase
produce manufacture distribute supply smuggle traffic launder hide conceal disguise use
operate run manage control lead direct command plan prepare execute carry conduct perform
complete finish start begin open close join meet discuss agree sign adopt approve decide
charge convict sentence arrest detain question interview search raid seize freeze confiscate
recover return transfer extradite surrender prosecute try accuse suspect alert warn inform
report notify request require demand call urge encourage welcome thank praise highlight
stress underline emphasise note explain describe outline address focus work deploy train
""")

# Topic vocabulary per crime area: raises the chance that an article about
# cybercrime says "ransomware". Keys are the facet values, spelled as shown.
CRIME_AREAS: dict[str, list[str]] = {
    "Drug trafficking": _words(
        "cocaine heroin cannabis kilograms tonnes plantation cartel "
        "shipment container port laboratory precursor dealers seizure methamphetamine"
    ),
    "Cybercrime": _words(
        "ransomware malware phishing botnet servers hackers encrypted darknet "
        "marketplace decryption infrastructure takedown breach credentials"
    ),
    "Fraud": _words(
        "fraud scam investment victims call-centre fake bank transfers losses "
        "invoice ceo phishing refund romance"
    ),
    "Money laundering": _words(
        "laundering mules cryptocurrency shell companies transfers cash "
        "underground banking hawala proceeds assets real-estate"
    ),
    "Migrant smuggling": _words(
        "migrants smugglers border crossing boats lorries documents "
        "facilitation asylum route dinghies hidden"
    ),
    "Trafficking in human beings": _words(
        "trafficking exploitation victims forced labour "
        "recruitment brothels debt bondage sexual exploitation workers"
    ),
    "Organised crime": _words(
        "clan mafia network leaders violence extortion assassination "
        "high-value targets encrypted communications"
    ),
    "Terrorism": _words(
        "terrorist propaganda radicalisation jihadist extremist attack "
        "referral online content recruitment explosives"
    ),
    "Child sexual exploitation": _words(
        "child abuse material offenders victims identification "
        "grooming livestreaming platform images rescue"
    ),
    "Firearms trafficking": _words(
        "firearms weapons pistols rifles ammunition converted "
        "replica blank-firing arsenal explosives"
    ),
    "Environmental crime": _words(
        "waste wildlife timber pollution eels ivory species poaching landfill illegal dumping"
    ),
    "Intellectual property crime": _words(
        "counterfeit goods brands pirated medicines cigarettes toys perfumes streaming illegal"
    ),
    "Corruption": _words(
        "bribes corruption officials public procurement contracts kickbacks embezzlement tender"
    ),
    "Property crime": _words(
        "burglary robberies thefts cars jewellery cash machines gangs stolen vehicles"
    ),
    "Euro counterfeiting": _words(
        "banknotes counterfeit euro printshop notes coins printing holograms"
    ),
    "Excise fraud": _words("tobacco cigarettes excise duty factory smuggling alcohol fuel"),
    "Sports corruption": _words(
        "match-fixing betting football matches players clubs referees bets"
    ),
    "Illicit trafficking in cultural goods": _words(
        "artefacts antiquities archaeological looting coins paintings auction"
    ),
}

TARGET_GROUPS = [
    "General Public",
    "Law Enforcement",
    "Industry",
    "Academia",
    "Professional Journals",
    "Policy makers",
    "Media",
    "Children",
    "Non-governmental organisations",
]
ENTITIES = [
    "European Cybercrime Centre (EC3)",
    "European Serious Organised Crime Centre (ESOCC)",
    "European Migrant Smuggling Centre (EMSC)",
    "European Financial and Economic Crime Centre (EFECC)",
    "European Counter Terrorism Centre (ECTC)",
    "Operational and Analysis Centre",
    "Innovation Lab",
    "Joint Cybercrime Action Taskforce (J-CAT)",
    "Intellectual Property Crime Coordinated Coalition (IPC3)",
    "EU Internet Referral Unit (EU IRU)",
]
ORGANISATIONS = [
    "Eurojust",
    "Interpol",
    "Frontex",
    "OLAF",
    "European Commission",
    "ENISA",
    "United Nations Office on Drugs and Crime",
    "CEPOL",
    "EMCDDA",
    "FBI",
    "DEA",
    "World Customs Organization",
    "Council of Europe",
    "EUIPO",
    "eu-LISA",
]
REGIONS = [
    "Western Balkans",
    "Baltic states",
    "Nordic countries",
    "Mediterranean",
    "Central Europe",
    "Iberian Peninsula",
    "Benelux",
    "Black Sea region",
    "Latin America",
    "West Africa",
    "Middle East",
    "Central Asia",
]

FIRST_NAMES = _words("""Marta Tomás Jürgen Zoë Łukasz Søren Ana João François Chloé Mikuláš Žofia
Đorđe Ioana Dóra Björn Agnieszka Małgorzata Raúl Inês Andrés Kęstutis Jānis Aurélie René
Hélène Sébastien Ülle Göran Øystein Pál Zsófia Ľubomír Tõnu Matej Nikolaos Eleni Giorgos
Catherine Peter Maria Anna Johan Eva Luca Giulia Paolo Elena Carlos Lucía Pedro Sofia Jan
Katarzyna Piotr Tomasz Ewa Michael Sarah David Laura Thomas Claire Nicolas Isabel Miguel
Antonio Francesca Andreas Karin Henrik Ingrid Mateus Beatriz Aleksandar Milena Vladimír
Jana Petra Ondřej Tereza Rūta Mindaugas Aistė Līga Kristjan Kadri Eero Aino Mikko Saara
Ciarán Aoife Seán Niamh Iñaki Itziar Xavier Mireia Dragoș Mihaela Ivo Iva Nenad Snežana
Ahmet Ayşe Yusuf Zeynep""")
# "de_Vries": a surname with a lower-case particle, spelled with a space in the text.
SURNAMES = _words("""Kovač Ruiz Šileris Müller Novák Dvořák Nowak Wiśniewski Kowalczyk Horváth
Szabó Nagy Popescu Ionescu Jansen de_Vries Peeters Dubois Lefèvre García Fernández López
Martín Rossi Bianchi Ferrari Costa Gonçalves Sørensen Nielsen Johansson Lindqvist Virtanen
Mäkinen Kask Tamm Bērziņš Kazlauskas Petrov Ivanović Jovanović Horvat Zupančič
Papadopoulos Georgiou O'Brien Murphy Schäfer Weiß Öztürk Byrne Camilleri Borg Schmidt
Fischer Wagner Becker Hoffmann Richter Klein Wolf Schröder Neumann Schwarz Zimmermann
Krüger Hartmann Lange Werner Krause Lehmann Schmitt Dupont Lambert Fontaine Rousseau
Girard Mercier Bonnet Moreau Laurent Lefebvre Roux Blanc Guerin Muñoz Álvarez Romero
Navarro Torres Domínguez Vázquez Ramos Gil Serrano Molina Morales Ortiz Delgado Castro
Ricci Marino Greco Bruno Gallo Conti Mancini Lombardi Moretti Barbieri Fontana Santoro
Mariani Rinaldi Caruso Ferrara Colombo Pereira Silva Santos Oliveira Sousa Rodrigues
Carvalho Almeida Lopes Marques Ferreira Andersen Pedersen Hansen Larsen Eriksson Karlsson
Nilsson Svensson Gustafsson Korhonen Nieminen Hämäläinen Laine Heikkinen Koskinen
Järvinen Lehtonen Kuznetsov Smirnov Kowalski Lewandowski Wójcik Kamiński Zieliński
Szymański Woźniak Dąbrowski Kozłowski Jankowski Mazur Krawczyk Varga Tóth Kiss Molnár
Németh Farkas Balogh Papp Takács Juhász Lakatos Mészáros Oláh Simon Rácz Fekete
Stoica Rusu Munteanu Matei Constantin Dumitru Marin Tudor Dobre Barbu Nistor Florea
Dimitrov Georgiev Ivanov Todorov Nikolov Hristov Stoyanov Angelov Kolev Yordanov
Popović Nikolić Marković Đorđević Stojanović Ilić Stanković Pavlović Milošević Tomić
Babić Marić Jurić Knežević Vuković Šarić Lovrić Pavić Kralj Mlakar Krajnc Potočnik
Kos Vidmar Golob Turk Kavčič Petrović""")
PLACES = _words("""Brussels Madrid Lisbon Paris Lyon Marseille Berlin Hamburg Munich Frankfurt
Vienna Prague Bratislava Budapest Warsaw Kraków Gdańsk Vilnius Riga Tallinn Helsinki
Stockholm Gothenburg Oslo Copenhagen Amsterdam Rotterdam Antwerp Ghent Luxembourg Dublin
Cork London Rome Milan Naples Palermo Turin Athens Thessaloniki Sofia Bucharest Zagreb
Ljubljana Belgrade Sarajevo Skopje Tirana Podgorica Valletta Nicosia Barcelona Valencia
Seville Málaga Porto Bordeaux Toulouse Nice Cologne Düsseldorf Stuttgart Leipzig Dresden
Graz Salzburg Brno Ostrava Košice Debrecen Poznań Wrocław Łódź Kaunas Tartu Turku Malmö
Aarhus Bergen Utrecht Eindhoven Liège Charleroi Limerick Galway Bologna Florence Genoa Bari
Patras Plovdiv Varna Constanța Cluj-Napoca Timișoara Split Rijeka Maribor Novi Sad
Belgium Spain Portugal France Germany Austria Czechia Slovakia Hungary Poland Lithuania
Latvia Estonia Finland Sweden Norway Denmark Netherlands Ireland Italy Greece Bulgaria
Romania Croatia Slovenia Serbia Albania Montenegro Malta Cyprus Colombia Ecuador Brazil
Morocco Türkiye Ukraine Moldova Georgia Switzerland Iceland Canada Australia""")

HEADLINE_TEMPLATES = [
    "{n} ARRESTED IN {place} AS {area} NETWORK IS DISMANTLED",
    "JOINT ACTION DAY TAKES DOWN {topic} {noun}",
    "{topic} {noun} DISMANTLED: {n} ARRESTS ACROSS {k} COUNTRIES",
    "{org} AND {org2} STEP UP COOPERATION AGAINST {area}",
    "{area}: {n} SUSPECTS DETAINED IN {place} AND {place2}",
    "NEW REPORT ON {area} PUBLISHED",
    "{n} VICTIMS IDENTIFIED IN {area} OPERATION",
    "EUR {n} MILLION SEIZED IN {place} {topic} CASE",
    "{place} HOSTS {k}TH CONFERENCE ON {area}",
    "{topic} {noun} HIT IN COORDINATED ACTION - {n} ARRESTS",
]
HEADLINE_NOUNS = ["NETWORK", "GANG", "PLATFORM", "RING", "SCHEME", "GROUP", "SERVICE"]

ROLES = [
    ("Head of the {area} Unit", "head"),
    ("Director, {org}", "Director"),
    ("Executive Director", "Executive Director"),
    ("Prosecutor, {org}", "prosecutor"),
    ("Deputy Minister of the Interior", "Deputy Minister"),
    ("Chief Inspector, {place} Police", "Chief Inspector"),
    ("Head of Operations", "head"),
    ("Senior Specialist, {area}", "specialist"),
    ("Spokesperson", "spokesperson"),
]
TITLES_BEFORE_NAME = [
    "the agency’s Executive Director",
    "Deputy Minister",
    "Chief Inspector",
    "the head of the investigation,",
    "Commissioner",
    "Prosecutor General",
]

MONTHS = _words("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec")
MONTHS_LONG = _words(
    "January February March April May June July August September October November December"
)
