"""Catalogue fixtures: an accredited provider and files to import."""

import datetime as dt

from wallet.core import clock

START = (clock.today() + dt.timedelta(days=30)).isoformat()
END = (clock.today() + dt.timedelta(days=60)).isoformat()

CSV = f"""course_code;title_nl;description_nl;kind;sector;hours;modality;language;municipality;price;vat;run_code;starts_on;ends_on;seats;skills;occupations;nlqf_level
LAS-1;Basiscursus MIG/MAG-lassen;Leer lassen in de praktijk;certificate;techniek;80;classroom;nl;enschede;2.400,00;exempt;R1;{START};{END};12;lassen|MIG/MAG;Lasser;2
LAS-1;Basiscursus MIG/MAG-lassen;Leer lassen in de praktijk;certificate;techniek;80;classroom;nl;enschede;2.400,00;exempt;R2;{END};{END};10;lassen|MIG/MAG;Lasser;2
ZRG-1;Dementiezorg;Omgaan met dementie;short_course;zorg;16;blended;nl;hengelo;450;exempt;R1;{START};{START};20;dementie;Verzorgende IG;4
"""  # noqa: E501

JSON = (
    '{"courses": [{"code": "PY-1", "title_nl": "Python programmeren", "description_nl": "Van nul '
    'tot script", "kind": "digital_skills", "sector": "ict", "hours": 60, "modality": "online", '
    '"language": "nl", "municipality": "almelo", "price_cents": 165000, "vat": "exempt", '
    '"nlqf_level": 4, "skills": ["Python"], "occupations": ["Software-ontwikkelaar"], '
    f'"runs": [{{"code": "R1", "starts_on": "{START}", "ends_on": "{END}", "seats": 15}}]}}]}}'
)

XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<catalogue>
  <program code="WP-1" kind="certificate" sector="energie" nlqf="3" modality="classroom"
           language="nl" municipality="borne" hours="40">
    <title lang="nl">Warmtepompen installeren</title>
    <title lang="de">Wärmepumpen installieren</title>
    <description lang="nl">Installeren en in bedrijf stellen</description>
    <price currency="EUR" vat="exempt">1495.00</price>
    <skill>warmtepomp</skill>
    <occupation>Warmtepompinstallateur</occupation>
    <run code="R1" start="{START}" end="{END}" seats="8" municipality="borne"/>
  </program>
</catalogue>
"""
