#!/usr/bin/env python3
"""Writes the benchmark's catalogue and request for bench/appeal.

    appeal_data.py OUT_DIR NOW

OUT_DIR gets:
  catalog.json   {"campaigns": [...]}: 50 live campaigns, 3 variants each,
                 texts in en and ru, for PUT /v1/admin/catalog
  request.json   the body of the benchmark's POST /v1/appeal (one line)
  expected.json  {"country": "DE", "evaluated": [[campaign, filter], ...]}:
                 the campaigns the request should walk, in priority order,
                 with the filter each should stop at ("passed" for the one
                 that is chosen)

NOW is unix seconds: the reader's views, snoozes and reading weeks are
placed relative to it, so the request means the same thing on any day.
Deterministic: the same NOW gives the same files.
"""

import json
import os
import random
import sys
import time

DAY = 86400
WEEK = 604800

# The reader of the benchmark request: an English investigation about the
# courts, read on a phone in Germany by a reader who is not a supporter,
# has read a fair number of articles lately, saw a few appeals and put two
# of them off long ago.
ARTICLE = {
    "id": "2026-03-courts-procurement-investigation",
    "section": "investigations",
    "tags": ["courts", "press-freedom", "elections", "procurement"],
    "language": "en",
}
COUNTRY = "DE"
DEVICE = "mobile"

SECTIONS = ["investigations", "politics", "world", "business", "climate", "science",
            "culture", "sport", "opinion", "local", "technology", "health"]
TAGS = ["courts", "press-freedom", "elections", "procurement", "corruption", "migration",
        "energy", "housing", "football", "tennis", "books", "film", "ai", "vaccines",
        "war-in-ukraine", "eu", "parliament", "police", "schools", "transport"]
COUNTRIES = ["US", "GB", "DE", "AT", "CH", "FR", "NL", "PL", "CZ", "LT", "LV", "EE", "GE",
             "AM", "KZ", "IL", "CA", "AU", "US-CA", "US-NY"]
CURRENCIES = ["USD", "EUR", "GBP"]

EN_HEADLINES = [
    "Independent reporting needs independent money",
    "This investigation took eleven months",
    "No owner, no advertiser tells us what to write",
    "Keep this newsroom free to read",
    "We answer to readers only",
    "Journalism that holds power to account costs money",
    "Help us keep the courts in the light",
    "A small monthly gift keeps a reporter in the field",
]
RU_HEADLINES = [
    "Независимой журналистике нужны независимые деньги",
    "Это расследование заняло одиннадцать месяцев",
    "Ни владелец, ни рекламодатель не говорят нам, что писать",
    "Помогите нам оставаться бесплатными для читателей",
    "Мы отвечаем только перед читателями",
    "Журналистика, которая следит за властью, стоит денег",
    "Помогите нам не выпускать суды из виду",
    "Небольшой ежемесячный взнос — это репортёр в поле",
]
EN_BODY = (
    "You have read **{n} articles** this month. Every one of them was reported, checked and "
    "edited by people who are paid by readers like you, not by an owner with interests of "
    "their own.\n\n"
    "This year our reporters sat through {d} days of hearings, filed *hundreds* of requests "
    "for documents and followed the money behind {c} public contracts. That work is slow and "
    "expensive, and it only continues if enough readers chip in.\n\n"
    "If you can, support us with a monthly gift. It takes a minute, and you can cancel at "
    "any time."
)
RU_BODY = (
    "В этом месяце вы прочитали **{n} материалов**. Каждый из них подготовили, проверили и "
    "отредактировали люди, которым платят читатели, а не владелец со своими интересами.\n\n"
    "В этом году наши журналисты провели на заседаниях {d} дней, отправили *сотни* запросов "
    "о документах и проследили, куда ушли деньги по {c} госконтрактам. Это медленная и "
    "дорогая работа, и она продолжается, только пока её поддерживают читатели.\n\n"
    "Если можете, поддержите нас ежемесячным взносом. Это займёт минуту, а отменить его "
    "можно в любой момент."
)


def variant(rng, campaign_index, letter):
    """One variant: its own presets, default amount and texts in en and ru."""
    base = rng.choice([2, 3, 5]) * 100  # minor units
    presets = [base, base * 2, base * 4, base * 10]
    frequencies = rng.choice([["monthly", "one_off", "annual"], ["monthly", "one_off"],
                              ["monthly", "annual"]])
    h = (campaign_index * 3 + ord(letter)) % len(EN_HEADLINES)
    numbers = {"n": 5 + campaign_index % 20, "d": 40 + campaign_index, "c": 100 + 7 * campaign_index}
    texts = {
        "en": {"headline": EN_HEADLINES[h], "body": EN_BODY.format(**numbers)},
        "ru": {"headline": RU_HEADLINES[h], "body": RU_BODY.format(**numbers)},
    }
    if letter == "b":
        texts["en"]["support"] = "Give monthly"
        texts["ru"]["support"] = "Поддерживать ежемесячно"
    if letter == "c":
        texts["en"]["later"] = "Not now"
        texts["ru"]["later"] = "Не сейчас"
    return {
        "id": letter,
        "weight": {"a": 2, "b": 1, "c": 1}[letter],
        "frequencies": frequencies,
        "default_frequency": "monthly",
        "presets": presets,
        "default_amount": presets[1],
        "text": texts,
    }


def base_campaign(rng, index, priority):
    campaign = {
        "id": f"c{index:02d}-" + rng.choice(["spring", "summer", "autumn", "winter"]) + "-drive",
        "name": f"Campaign {index}",
        "status": "live",
        "priority": priority,
        "languages": ["en", "ru"],
        "currency": rng.choice(CURRENCIES),
    }
    campaign["variants"] = [variant(rng, index, letter) for letter in "abc"]
    return campaign


def iso(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def build(now):
    rng = random.Random(20260301)
    this_week = now // WEEK

    campaigns = []
    expected = []
    priority = 1000

    def add(campaign_fields, filter_name=None):
        nonlocal priority
        index = len(campaigns) + 1
        campaign = base_campaign(rng, index, priority)
        priority -= 17  # distinct priorities, in the order they are written here
        variants = campaign.pop("variants")
        campaign.update(campaign_fields)
        campaign["variants"] = variants
        campaigns.append(campaign)
        if filter_name is not None:
            expected.append([campaign["id"], filter_name])
        return campaign

    # The campaigns the request walks, by priority: each stops it at a
    # different filter, the cheap page filters first, then the reader's.
    add({"starts_at": "2020-01-01T00:00:00Z", "ends_at": iso(now - 20 * DAY),
         "sections": ["investigations", "politics"]}, "schedule")
    add({"placement": "top_banner", "sections": ["investigations"]}, "placement")
    add({"sections": ["climate", "science", "health"],
         "tags": ["energy", "vaccines"]}, "section")
    add({"exclude_sections": ["investigations", "opinion"]}, "section")
    add({"tags": ["football", "tennis", "film", "books"]}, "tag")
    add({"tags": ["courts", "police"], "exclude_tags": ["elections", "war-in-ukraine"]}, "tag")
    add({"sections": ["investigations", "politics", "world"],
         "countries": ["US", "CA", "GB", "AU"]}, "country")
    add({"exclude_countries": ["DE", "AT", "CH"], "tags": ["courts", "corruption"]}, "country")
    add({"devices": ["desktop", "tablet"], "sections": ["investigations"]}, "device")
    add({"cohort": "former_supporters", "tags": ["press-freedom"]}, "cohort")
    add({"articles_read": {"weeks": 4, "min": 25}, "countries": ["DE", "AT"]}, "articles_read")
    add({"articles_read": {"weeks": 1, "max": 2}, "devices": ["mobile"]}, "articles_read")
    capped = add({"frequency_cap": {"views": 2, "days": 14}, "sections": ["investigations"]},
                 "frequency_cap")
    grouped = add({"frequency_cap": {"views": 3, "days": 30, "group": "courts-series"},
                   "tags": ["courts"]}, "frequency_cap")
    spaced = add({"frequency_cap": {"views": 6, "days": 30, "min_days_between": 3},
                  "exclude_tags": ["sponsored"]}, "min_days_between")
    # The one that is chosen.
    chosen = add({"sections": ["investigations", "politics", "world"],
                  "tags": ["courts", "corruption", "procurement"],
                  "exclude_tags": ["sponsored", "obituaries"],
                  "countries": ["DE", "AT", "CH", "NL", "FR"],
                  "devices": ["mobile", "tablet"],
                  "articles_read": {"weeks": 4, "min": 3},
                  "frequency_cap": {"views": 4, "days": 30, "min_days_between": 1},
                  "snooze_days": {"later": 5, "close": 21}},
                 "passed")

    # The chosen appeal as the best ones run: a goal ticker, and copy that
    # counts this reader's articles (filled per request) and the window.
    chosen["goal"] = {"kind": "supporters", "target": 2000, "period": "month",
                      "text": {"en": "{count} of {goal} new supporters this month",
                               "ru": "{count} из {goal} новых сторонников в этом месяце"}}
    for v in chosen["variants"]:
        v["text"]["en"]["headline"] = "You have read {articles} in {weeks}"
        v["text"]["ru"]["headline"] = "Вы прочитали {articles} за {weeks}"
        v["text"]["en"]["body"] = v["text"]["en"]["body"].replace(
            "You have read **", "From **{min_amount}** a month. You have read **")

    # The rest, lower in priority: never reached by this request, but part
    # of the catalogue patron keeps and renders.
    group_mate = None
    while len(campaigns) < 50:
        fields = {}
        if rng.random() < 0.6:
            fields["sections"] = rng.sample(SECTIONS, rng.randint(1, 4))
        elif rng.random() < 0.5:
            fields["exclude_sections"] = rng.sample(SECTIONS, rng.randint(1, 2))
        if rng.random() < 0.5:
            fields["tags"] = rng.sample(TAGS, rng.randint(1, 5))
        if rng.random() < 0.4:
            fields["exclude_tags"] = rng.sample(TAGS, rng.randint(1, 3))
        if rng.random() < 0.35:
            fields["countries"] = rng.sample(COUNTRIES, rng.randint(1, 6))
        elif rng.random() < 0.2:
            fields["exclude_countries"] = rng.sample(COUNTRIES, rng.randint(1, 3))
        if rng.random() < 0.3:
            fields["devices"] = rng.sample(["mobile", "tablet", "desktop"], rng.randint(1, 2))
        if rng.random() < 0.4:
            fields["articles_read"] = {"weeks": rng.randint(1, 8), "min": rng.randint(1, 10)}
        if rng.random() < 0.5:
            fields["frequency_cap"] = {"views": rng.randint(1, 6), "days": rng.choice([7, 14, 30]),
                                       "min_days_between": rng.randint(0, 3)}
        if rng.random() < 0.15:
            fields["control_share"] = rng.choice([0.05, 0.1, 0.2])
        if rng.random() < 0.1:
            fields["cohort"] = rng.choice(["everyone", "former_supporters"])
        campaign = add(fields)
        if group_mate is None and "frequency_cap" not in fields:
            group_mate = campaign
            campaign["frequency_cap"] = {"views": 3, "days": 30, "group": "courts-series"}

    # A few control shares among the campaigns the request walks too, where
    # they do not decide anything (the filters stop the walk first).
    capped["control_share"] = 0.1
    campaigns[5]["control_share"] = 0.2

    views = [
        # Two recent views of the capped campaign: at its cap of 2 in 14 days.
        {"campaign": capped["id"], "at": now - 2 * DAY - 3600},
        {"campaign": capped["id"], "at": now - 9 * DAY},
        # Three views in the courts-series group, counted against its cap.
        {"campaign": grouped["id"], "at": now - 4 * DAY},
        {"campaign": group_mate["id"], "at": now - 6 * DAY},
        {"campaign": group_mate["id"], "at": now - 12 * DAY},
        # One yesterday: too soon for a campaign that waits 3 days.
        {"campaign": spaced["id"], "at": now - DAY + 600},
        # The chosen campaign, seen twice: under its cap, not too recent.
        {"campaign": chosen["id"], "at": now - 8 * DAY},
        {"campaign": chosen["id"], "at": now - 23 * DAY},
        # Old views, and one of a campaign no longer in the catalogue.
        {"campaign": campaigns[30]["id"], "at": now - 45 * DAY},
        {"campaign": "winter-drive-2025", "at": now - 70 * DAY},
    ]
    snoozes = [
        # Both expired: "later" lasts at most 5 days, "close" 21 days here.
        {"campaign": campaigns[20]["id"], "reason": "later", "at": now - 11 * DAY},
        {"campaign": "winter-drive-2025", "reason": "close", "at": now - 64 * DAY},
    ]
    weeks = [{"week": this_week - i, "count": c} for i, c in enumerate([3, 5, 2, 4, 6, 1, 0, 2])]
    request = {
        "article": ARTICLE,
        "reader": {
            "bucket": 2840512233,
            "supporter": False,
            "device": DEVICE,
            "views": views,
            "snoozes": snoozes,
            "weeks": weeks,
        },
    }
    return {"campaigns": campaigns}, request, {"country": COUNTRY, "evaluated": expected}


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: appeal_data.py OUT_DIR NOW")
    out, now = sys.argv[1], int(sys.argv[2])
    catalog, request, expected = build(now)
    with open(os.path.join(out, "catalog.json"), "w", encoding="utf-8") as f:
        json.dump(catalog, f, ensure_ascii=False)
    with open(os.path.join(out, "request.json"), "w", encoding="utf-8") as f:
        json.dump(request, f, ensure_ascii=False, separators=(",", ":"))
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    main()
