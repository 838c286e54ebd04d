"""How well retrieval finds the article that answers a question: recall@1 and
recall@3 over the demo company's help centre (helpdesk/knowledge/demo.py), per
language, and the best passage scores of questions the articles do not answer,
which the assistant's MIN_SCORE (the handoff threshold) is chosen against.

The questions are written as visitors ask, not copied from the articles. The
script sets Django up in this process against a temporary SQLite database and
the local-memory cache, builds both indexes as the Celery task does, and prints
Markdown for docs/benchmarks.md.

    .venv/bin/python bench/retrieval.py
"""

import logging
import os
import secrets
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# (question, slug of the article that answers it)
QUESTIONS = {
    "en": [
        ("how do I change my plan?", "change-your-plan"),
        ("I want to upgrade to Business, what happens to my bill?", "change-your-plan"),
        ("can I go back to the free plan later", "change-your-plan"),
        ("where do I put our VAT ID", "billing-address-and-vat"),
        (
            "our company moved, how do I update the address on your invoices",
            "billing-address-and-vat",
        ),
        ("how can I cancel my subscription", "cancel-your-subscription"),
        ("delete my account and all data", "cancel-your-subscription"),
        ("do you refund the annual plan if I cancel", "cancel-your-subscription"),
        ("how do I send an invoice to a client", "create-and-send-an-invoice"),
        ("can I change the invoice number format", "create-and-send-an-invoice"),
        ("bill a client every month automatically", "recurring-invoices"),
        ("how to pause a subscription invoice schedule", "recurring-invoices"),
        ("I made a mistake on a paid invoice", "credit-notes-and-corrections"),
        ("how do I void an invoice I sent by accident", "credit-notes-and-corrections"),
        ("clients pay late, can Ledgerly chase them", "payment-reminders"),
        ("turn off reminders for one customer invoice", "payment-reminders"),
        ("can clients pay by credit card", "accept-card-and-bank-payments"),
        ("do you take a cut of each payment? transaction fees", "accept-card-and-bank-payments"),
        ("when does the money reach my bank account", "accept-card-and-bank-payments"),
        ("give a client their money back", "refund-a-payment"),
        ("how long does a card refund take", "refund-a-payment"),
        ("can I invoice in euros and dollars", "currencies-and-tax-rates"),
        ("set up 19% VAT", "currencies-and-tax-rates"),
        ("add a colleague to our account", "invite-your-team"),
        ("what can an accountant user do", "invite-your-team"),
        ("download all my invoices as PDFs", "export-your-data"),
        ("export clients to a spreadsheet", "export-your-data"),
        ("I lost my phone and can't log in", "two-step-verification"),
        ("password reset email never arrived", "two-step-verification"),
        ("how much does the Team plan cost", "plans-and-prices"),
    ],
    "de": [
        ("Wie wechsle ich meinen Tarif?", "tarif-wechseln"),
        ("Was passiert bei einem Downgrade auf Starter?", "tarif-wechseln"),
        ("Wo trage ich unsere USt-IdNr. ein?", "rechnungsadresse-und-ust-id"),
        ("Wie kündige ich mein Abo?", "abo-kuendigen"),
        ("Konto mit allen Daten löschen", "abo-kuendigen"),
        ("Wie schicke ich eine Rechnung an einen Kunden?", "rechnung-erstellen-und-senden"),
        ("Kunden jeden Monat automatisch eine Rechnung schicken", "wiederkehrende-rechnungen"),
        ("Fehler in einer bezahlten Rechnung korrigieren", "gutschrift-und-korrektur"),
        ("Kunden zahlen zu spät, gibt es Mahnungen?", "zahlungserinnerungen"),
        ("Können Kunden mit Kreditkarte zahlen?", "karten-und-bankzahlungen"),
        ("Gibt es Transaktionsgebühren?", "karten-und-bankzahlungen"),
        ("Geld an einen Kunden zurückzahlen", "zahlung-erstatten"),
        ("Rechnungen in Euro und Dollar stellen", "waehrungen-und-steuersaetze"),
        ("Kollegen zum Konto hinzufügen", "team-einladen"),
        ("Alle Rechnungen als PDF herunterladen", "daten-exportieren"),
        ("Handy verloren, Anmeldung geht nicht", "anmeldung-und-zwei-faktor"),
        ("Was kostet der Team-Tarif?", "tarife-und-preise"),
    ],
}

# Questions the demo articles do not answer: the assistant should hand these over.
UNANSWERED = {
    "en": [
        "do you have an Android app",
        "can Ledgerly integrate with Shopify",
        "is there an API for developers",
        "my dog ate my laptop",
        "what is your office address in Berlin",
        "do you offer discounts for nonprofits",
        "can I talk about a partnership",
        "is my data stored in the EU",
    ],
    "de": [
        "Gibt es eine Android-App?",
        "Kann ich Ledgerly mit Shopify verbinden?",
        "Gibt es eine Schnittstelle für Entwickler?",
        "Bieten Sie Rabatte für Vereine an?",
        "Wo werden meine Daten gespeichert?",
    ],
}


def setup(var_dir: Path) -> None:
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "helpdesk.settings"
    os.environ["PARLEY_VAR_DIR"] = str(var_dir)
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    import django

    django.setup()
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        setup(Path(folder))
        from django.conf import settings

        from helpdesk.knowledge import retrieval
        from helpdesk.knowledge.demo import seed_articles
        from helpdesk.knowledge.models import Article

        seed_articles()
        slugs = dict(Article.objects.values_list("pk", "slug"))
        threshold = settings.PARLEY["ASSISTANT"]["MIN_SCORE"]
        print("| language | questions | recall@1 | recall@3 | answered above MIN_SCORE |")
        print("|---|---|---|---|---|")
        best_answered: list[float] = []
        misses = []
        for language, questions in QUESTIONS.items():
            retrieval.rebuild(language)
            at1 = at3 = above = 0
            for question, slug in questions:
                hits = retrieval.search(question, language, limit=10)
                found = [slugs[hit.article_id] for hit in retrieval.best_articles(hits)]
                at1 += found[:1] == [slug]
                at3 += slug in found[:3]
                if slug not in found[:3]:
                    misses.append((language, question, slug, found[:3]))
                top = hits[0].score if hits else 0.0
                best_answered.append(top)
                above += top >= threshold
            n = len(questions)
            print(f"| {language} | {n} | {at1 / n:.2f} | {at3 / n:.2f} | {above}/{n} |")
        print()
        print("Best passage score (BM25), MIN_SCORE =", threshold)
        print()
        print("| questions | n | min | median | max |")
        print("|---|---|---|---|---|")
        row = "| {} | {} | {:.2f} | {:.2f} | {:.2f} |"
        print(row.format("answered by an article", len(best_answered), min(best_answered),
                         statistics.median(best_answered), max(best_answered)))  # fmt: skip
        unanswered = []
        for language, questions in UNANSWERED.items():
            for question in questions:
                hits = retrieval.search(question, language, limit=1)
                unanswered.append((hits[0].score if hits else 0.0, language, question))
        scores = [score for score, *_ in unanswered]
        print(row.format("answered by none", len(scores), min(scores),
                         statistics.median(scores), max(scores)))  # fmt: skip
        print()
        print("| MIN_SCORE | answerable questions answered | unanswerable ones answered |")
        print("|---|---|---|")
        for candidate in (1.0, 1.5, 1.8, 2.0, 2.5, 3.0):
            kept = sum(score >= candidate for score in best_answered)
            wrong = sum(score >= candidate for score in scores)
            print(f"| {candidate} | {kept}/{len(best_answered)} | {wrong}/{len(scores)} |")
        print()
        wrongly_answered = [(f"{s:.2f}", q) for s, _, q in unanswered if s >= threshold]
        print("Unanswerable questions above MIN_SCORE:", wrongly_answered or "none")
        print("Misses at 3:", misses or "none")


if __name__ == "__main__":
    main()
