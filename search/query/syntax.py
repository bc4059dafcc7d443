"""The text of `pressearch syntax`: the query language as the engine reads it.

Model: one reference, kept next to the grammar (`parse`) and the date
reading (`dates`) it describes; every example in it is compiled by the
tests, so it cannot drift from what the engine does.
"""

SYNTAX = """\
PRESSEARCH QUERY SYNTAX

Words
  europol ransomware          Articles with every word, in the headline, body,
                              quotes or speaker names. Case, accents and word
                              endings don't matter: zurich finds Zürich,
                              arrest finds arrested.
  --match any                 Any word may match; articles matching more words
                              rank higher (for long natural-language queries).
  COVID-19   EC3   4.5        Hyphenated words, codes and numbers are found
                              as written; covid also finds COVID-19.
  the, of, and, not ...       Stop words are left out of a query's words, as
                              are lower-case and, or, not; in a phrase they
                              hold their place: "want to be sure" (not "want
                              sure"), "to be or not to be".
  \\( \\" \\: \\* \\\\              A backslash makes the next character plain text.

Phrases and proximity
  "organised crime"           These words next to each other, in this order.
  "europol arrest"~5          These words within 5 moves of the phrase
                              (Lucene's slop): one word in between costs one
                              move, and "a b"~2 also finds "b a".

Operators (upper case, standing alone)
  fraud AND phishing          Both (the same as: fraud phishing, fraud && phishing).
  fraud OR phishing           Either (also: fraud || phishing).
  fraud NOT phishing          fraud, but not phishing (also: fraud AND !phishing).
  (fraud OR scam) AND bank    Parentheses group. NOT binds tightest, then AND,
                              then OR, then words side by side:
                              a b OR c means a AND (b OR c).
  +europol fraud scam         + : must match (useful with --match any; shown
                              as ANDMAYBE by --explain).
  fraud -phishing             - or ! : must not match (the same as NOT), also
                              before a field or a group: -headline:(a OR b).
  fraud^2 scam                ^ : count a word, phrase or group more in the
                              ranking (a positive number).
  Two readings differ from Lucene's classic parser; add parentheses to say
  which one you mean:
  a OR b AND c                here a OR (b AND c); Lucene requires b and c
                              and lets a only add to the score.
  a OR -b                     here a OR (NOT b); Lucene: a AND NOT b.

Wildcards and fuzzy words
  cyber*                      Words starting with cyber: cybercrime,
                              cyberattack. At least 2 letters before the
                              first * or ?.
  organi?ation                ? is one letter, * any number of letters.
  cybercrme~                  Words within one edit (a letter added, dropped,
                              changed or two swapped): cybercrime.
  cybercrme~2                 Within two edits. Fuzzy words need 4 letters.

Fields (a space after the colon is allowed)
  headline:europol            In the headline (title: works too).
  body:ransomware             In the body.
  quote:"perfect lure"        In quotes (quotes: works too).
  speaker:"Pieter de Graaf"   In speaker names.
  role:director               In speakers' roles.
  url:"https://www.intlcrime.example.int/en/publications/global-organised-crime-outlook-2025"
                              The article with this address.
  headline:(fraud OR scam)    A field applies to a whole group.

Facets (the exact value; case and accents don't matter)
  type:"press release"        source:press.interior.example.gov
  target_group:"law enforcement"      (target: works too)
  crime_area:"cybercrime"             (crime: works too)
  entity:"coordination centre"        organisation:eurojust (org: works too)
  year:2020                           month:2020-10
  regions:"western balkans"   Every other label of the archive, by its name
                              in lower_snake case.
  entity:*ec3*                Wildcards match facet values anywhere.
  year:[2018 TO 2020]         Ranges of years or months.
  An unknown value matches nothing (`pressearch facets NAME` lists values).

Dates
  date:2020                   Any day in 2020.
  date:2020-10                October 2020 (also date:"Oct 2020").
  date:2020-10-06             One day (also date:20201006, date:"6 October 2020").
  date:[2019 TO 2021-06]      From 1 January 2019 to 30 June 2021.
  date:{2019 TO 2021}         Between, not including: 2020.
  date:>2020-01-01            After (>), from (>=), before (<), up to (<=):
  date:>=2020  date:<2021  date:<=2020-06
  date:[2020 TO *]            * leaves a range open: from 2020 on.
  date:today  date:yesterday  Relative dates, resolved once when the query runs.
  date:[now-7d TO now]        Elasticsearch date math: now, today, yesterday or
                              2020-01-01|| then steps (+1M, -7d; units y M w d)
                              and roundings (/y, /M, /w, /d). Article dates are
                              days: now-7d is the day a week ago, now-1y/y all
                              of last year, 2020-01-01||+1M 1 February 2020.
  --since 2020 --until "Oct 2021"     The same dates, added to the query
  --since now-30d                     (--explain shows what they resolved to).
  Dates are read leniently (2020-10-06, 6 Oct 2020, October 6, 2020);
  06/10/2020 is read day first: 6 October 2020; 20201006 year first.

Limits
  At most 500 terms and 20,000 characters; a wildcard or fuzzy word may
  stand for at most 1,000 words. Problems are reported with their position
  and a fix; --explain shows how a query was understood.
"""
