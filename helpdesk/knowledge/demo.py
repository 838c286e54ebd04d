"""The demo company's help centre (Ledgerly, invoicing for small teams), in
English and German, for ``seed_demo``. Each article exists in both languages
under its own slug."""

from django.db import transaction

from .models import Article, Category

CATEGORIES = {
    # key: (position, English, German)
    "billing": (0, "Plans and billing", "Tarife und Abrechnung"),
    "invoices": (1, "Invoices", "Rechnungen"),
    "payments": (2, "Getting paid", "Zahlungen"),
    "account": (3, "Team and account", "Team und Konto"),
}

# (category, (English slug, title, body), (German slug, title, body))
ARTICLES = [
    (
        "billing",
        (
            "change-your-plan",
            "How do I change my plan?",
            """You can move between Starter, Team and Business at any time, without
talking to us.

## Change your plan

1. Open **Settings**, then **Billing**.
2. Under **Your plan**, choose **Change plan**.
3. Pick the new plan and confirm.

Only the account owner can change the plan. If you don't see **Change plan**,
ask the owner of your Ledgerly account.

## Upgrades

An upgrade applies at once. We charge the difference for the rest of the current
billing period, pro rata, on your next invoice.

## Downgrades

A downgrade takes effect at the end of your billing period, so you keep what you
paid for until then. Moving to Starter keeps your invoices, but only five clients
stay active: choose which ones when you confirm.
""",
        ),
        (
            "tarif-wechseln",
            "Wie wechsle ich meinen Tarif?",
            """Sie können jederzeit zwischen Starter, Team und Business wechseln, ohne
uns zu kontaktieren.

## Tarif wechseln

1. Öffnen Sie **Einstellungen** und dann **Abrechnung**.
2. Wählen Sie unter **Ihr Tarif** die Schaltfläche **Tarif ändern**.
3. Wählen Sie den neuen Tarif und bestätigen Sie.

Nur der Kontoinhaber kann den Tarif ändern. Sehen Sie **Tarif ändern** nicht,
fragen Sie den Inhaber Ihres Ledgerly-Kontos.

## Upgrade

Ein Upgrade gilt sofort. Die Differenz für den Rest des laufenden
Abrechnungszeitraums berechnen wir anteilig mit Ihrer nächsten Rechnung.

## Downgrade

Ein Downgrade wird zum Ende Ihres Abrechnungszeitraums wirksam; bis dahin behalten
Sie alles, was Sie bezahlt haben. Beim Wechsel zu Starter bleiben Ihre Rechnungen
erhalten, aber nur fünf Kunden bleiben aktiv: Sie wählen sie beim Bestätigen aus.
""",
        ),
    ),
    (
        "billing",
        (
            "billing-address-and-vat",
            "Update your billing address and VAT number",
            """The address and VAT number on Ledgerly's invoices to you come from your
billing details.

## Change the billing address

Go to **Settings**, then **Billing**, then **Billing details**. Edit the company
name, address or billing email and save. The next invoice uses the new details.

## Add a VAT number

Enter your EU VAT number under **Billing details**. We check it with the VIES
service; once it is valid, invoices to businesses in other EU countries are
issued without VAT (reverse charge).

## Past invoices

Invoices already issued keep the old details. To have one re-issued with the new
address, ask us in the chat and tell us the invoice number.
""",
        ),
        (
            "rechnungsadresse-und-ust-id",
            "Rechnungsadresse und USt-IdNr. ändern",
            """Adresse und USt-IdNr. auf den Rechnungen, die Sie von Ledgerly bekommen,
stammen aus Ihren Rechnungsdaten.

## Rechnungsadresse ändern

Gehen Sie zu **Einstellungen**, dann **Abrechnung**, dann **Rechnungsdaten**.
Ändern Sie Firmenname, Adresse oder Rechnungs-E-Mail und speichern Sie. Die
nächste Rechnung verwendet die neuen Daten.

## USt-IdNr. hinterlegen

Tragen Sie Ihre USt-IdNr. unter **Rechnungsdaten** ein. Wir prüfen sie über VIES;
ist sie gültig, stellen wir Unternehmen in anderen EU-Ländern ohne Umsatzsteuer
in Rechnung (Reverse-Charge-Verfahren).

## Frühere Rechnungen

Bereits ausgestellte Rechnungen behalten die alten Daten. Soll eine Rechnung mit
der neuen Adresse neu ausgestellt werden, schreiben Sie uns im Chat die
Rechnungsnummer.
""",
        ),
    ),
    (
        "billing",
        (
            "cancel-your-subscription",
            "Cancel your subscription or close your account",
            """You can cancel whenever you like; there is no notice period.

## Cancel a paid plan

Open **Settings**, then **Billing**, and choose **Cancel subscription**. Your plan
stays active until the end of the period you paid for, then the account moves
to the free Starter plan. Nothing is deleted.

## Close the account for good

To delete the account and all its data, the owner chooses **Close account** at
the bottom of **Settings**, then **Account**. Export your invoices first: once
closed, an account cannot be restored, and we delete its data within 30 days.

## Refunds for the current period

We don't refund the rest of a monthly period. Annual plans cancelled within 14
days of payment are refunded in full.
""",
        ),
        (
            "abo-kuendigen",
            "Abo kündigen oder Konto schließen",
            """Sie können jederzeit kündigen; es gibt keine Kündigungsfrist.

## Bezahlten Tarif kündigen

Öffnen Sie **Einstellungen**, dann **Abrechnung**, und wählen Sie **Abo kündigen**.
Ihr Tarif läuft bis zum Ende des bezahlten Zeitraums weiter, danach wechselt das
Konto in den kostenlosen Starter-Tarif. Es wird nichts gelöscht.

## Konto endgültig schließen

Um das Konto mit allen Daten zu löschen, wählt der Inhaber **Konto schließen**
unten unter **Einstellungen**, dann **Konto**. Exportieren Sie vorher Ihre
Rechnungen: Ein geschlossenes Konto lässt sich nicht wiederherstellen, und wir
löschen seine Daten innerhalb von 30 Tagen.

## Erstattung für den laufenden Zeitraum

Den Rest eines Monatszeitraums erstatten wir nicht. Jahrestarife, die innerhalb
von 14 Tagen nach Zahlung gekündigt werden, erstatten wir vollständig.
""",
        ),
    ),
    (
        "invoices",
        (
            "create-and-send-an-invoice",
            "Create and send your first invoice",
            """An invoice needs a client, at least one line and a due date.

## Create the invoice

Choose **New invoice** on the **Invoices** page. Pick a client (or add one), then
add lines with a description, quantity and unit price. Ledgerly numbers invoices
for you in sequence; you can change the number format under **Settings**, then
**Invoices**.

## Send it

Choose **Send**. Your client gets an email with a link to view the invoice, pay
it online and download the PDF. You can also download the PDF yourself and send
it another way; mark it as sent so reminders still work.

## Edit after sending

A sent invoice can still be edited until it is paid. Your client's link always
shows the latest version.
""",
        ),
        (
            "rechnung-erstellen-und-senden",
            "Die erste Rechnung erstellen und versenden",
            """Eine Rechnung braucht einen Kunden, mindestens eine Position und ein
Fälligkeitsdatum.

## Rechnung erstellen

Wählen Sie auf der Seite **Rechnungen** die Schaltfläche **Neue Rechnung**. Wählen
Sie einen Kunden (oder legen Sie einen an) und fügen Sie Positionen mit
Beschreibung, Menge und Einzelpreis hinzu. Ledgerly nummeriert Rechnungen
fortlaufend; das Format der Nummer ändern Sie unter **Einstellungen**, dann
**Rechnungen**.

## Versenden

Wählen Sie **Senden**. Ihr Kunde bekommt eine E-Mail mit einem Link, über den er
die Rechnung ansehen, online bezahlen und als PDF herunterladen kann. Sie können
das PDF auch selbst herunterladen und anders verschicken; markieren Sie die
Rechnung dann als versendet, damit Erinnerungen funktionieren.

## Nach dem Versand bearbeiten

Eine versendete Rechnung lässt sich bearbeiten, bis sie bezahlt ist. Der Link
Ihres Kunden zeigt immer die neueste Fassung.
""",
        ),
    ),
    (
        "invoices",
        (
            "recurring-invoices",
            "Set up recurring invoices",
            """Recurring invoices are on the Team and Business plans. Ledgerly creates
and sends each invoice on schedule.

## Create a schedule

Open an invoice and choose **Make recurring**. Pick how often (weekly, monthly,
quarterly or yearly), the first date and, if you like, an end date or a number
of invoices.

## Automatic sending

Each new invoice is sent on its date with the same lines and client. Turn off
**Send automatically** to get a draft to check first instead.

## Pause or stop

Open **Invoices**, then **Recurring**, to pause, change or stop a schedule.
Invoices already sent are not affected.
""",
        ),
        (
            "wiederkehrende-rechnungen",
            "Wiederkehrende Rechnungen einrichten",
            """Wiederkehrende Rechnungen gibt es in den Tarifen Team und Business.
Ledgerly erstellt und versendet jede Rechnung zum geplanten Termin.

## Zeitplan anlegen

Öffnen Sie eine Rechnung und wählen Sie **Wiederkehrend machen**. Legen Sie fest,
wie oft (wöchentlich, monatlich, vierteljährlich oder jährlich), das erste Datum
und auf Wunsch ein Enddatum oder eine Anzahl von Rechnungen.

## Automatischer Versand

Jede neue Rechnung wird an ihrem Datum mit denselben Positionen an denselben
Kunden versendet. Schalten Sie **Automatisch senden** aus, wenn Sie stattdessen
erst einen Entwurf prüfen möchten.

## Pausieren oder beenden

Unter **Rechnungen**, dann **Wiederkehrend**, pausieren, ändern oder beenden Sie
einen Zeitplan. Bereits versendete Rechnungen bleiben unverändert.
""",
        ),
    ),
    (
        "invoices",
        (
            "credit-notes-and-corrections",
            "Correct an invoice or issue a credit note",
            """Whether you can edit an invoice depends on whether it has been paid.

## Unpaid invoices

Edit the invoice directly: open it and choose **Edit**. The client's link shows
the corrected version.

## Paid invoices

A paid invoice cannot be changed, because your accounts already include it.
Issue a credit note instead: open the invoice and choose **Credit note**. You can
credit the whole amount or single lines, then send a new invoice if needed.

## Cancel an invoice

Choose **Void** on an unpaid invoice you sent by mistake. It keeps its number,
marked as void, so your numbering has no gaps.
""",
        ),
        (
            "gutschrift-und-korrektur",
            "Rechnung korrigieren oder eine Gutschrift erstellen",
            """Ob Sie eine Rechnung bearbeiten können, hängt davon ab, ob sie bezahlt ist.

## Unbezahlte Rechnungen

Bearbeiten Sie die Rechnung direkt: Öffnen Sie sie und wählen Sie **Bearbeiten**.
Der Link Ihres Kunden zeigt die korrigierte Fassung.

## Bezahlte Rechnungen

Eine bezahlte Rechnung lässt sich nicht mehr ändern, weil sie bereits in Ihrer
Buchhaltung steht. Erstellen Sie stattdessen eine Gutschrift: Öffnen Sie die
Rechnung und wählen Sie **Gutschrift**. Sie können den ganzen Betrag oder
einzelne Positionen gutschreiben und danach eine neue Rechnung senden.

## Rechnung stornieren

Wählen Sie **Stornieren** bei einer unbezahlten Rechnung, die Sie versehentlich
versendet haben. Sie behält ihre Nummer und wird als storniert markiert, damit
Ihre Nummernfolge lückenlos bleibt.
""",
        ),
    ),
    (
        "payments",
        (
            "payment-reminders",
            "Automatic payment reminders",
            """Reminders are on the Team and Business plans. Ledgerly emails clients
whose invoices are overdue, so you don't have to chase them.

## Turn reminders on

Open **Settings**, then **Reminders**, and switch on **Send reminders**. The
default is a friendly note three days before the due date, then reminders 1, 7
and 14 days after it.

## Change the schedule and wording

Add, remove or move reminders and edit each email's text. Use placeholders such
as the invoice number, the amount due and the payment link.

## Stop reminders for one invoice

Open the invoice and turn off **Reminders**, for example when you agreed on a
later date with the client. Reminders stop by themselves once an invoice is paid.
""",
        ),
        (
            "zahlungserinnerungen",
            "Automatische Zahlungserinnerungen",
            """Erinnerungen gibt es in den Tarifen Team und Business. Ledgerly schreibt
Kunden mit überfälligen Rechnungen an, damit Sie nicht nachhaken müssen.

## Erinnerungen einschalten

Öffnen Sie **Einstellungen**, dann **Erinnerungen**, und schalten Sie
**Erinnerungen senden** ein. Voreingestellt sind ein freundlicher Hinweis drei
Tage vor Fälligkeit und Mahnungen 1, 7 und 14 Tage danach.

## Zeitplan und Text ändern

Fügen Sie Erinnerungen hinzu, entfernen oder verschieben Sie sie, und bearbeiten
Sie den Text jeder E-Mail. Platzhalter wie Rechnungsnummer, offener Betrag und
Zahlungslink stehen bereit.

## Erinnerungen für eine Rechnung abschalten

Öffnen Sie die Rechnung und schalten Sie **Erinnerungen** aus, etwa wenn Sie mit
dem Kunden ein späteres Datum vereinbart haben. Ist eine Rechnung bezahlt, enden
die Erinnerungen von selbst.
""",
        ),
    ),
    (
        "payments",
        (
            "accept-card-and-bank-payments",
            "Accept card and bank payments",
            """Clients can pay your invoices online by card or bank transfer once you
connect a payment provider.

## Connect a provider

Open **Settings**, then **Payments**, and connect your Stripe account (or create
one). It takes a few minutes; payouts go straight to your bank account.

## Fees

Ledgerly charges no transaction fees on any plan. Your payment provider charges
its own fee per payment, shown in its dashboard.

## When a payment arrives

The invoice is marked as paid automatically, reminders stop and you get an
email. Payouts reach your bank account on your provider's schedule, usually
within two to seven business days.
""",
        ),
        (
            "karten-und-bankzahlungen",
            "Karten- und Bankzahlungen annehmen",
            """Kunden können Ihre Rechnungen online per Karte oder Überweisung bezahlen,
sobald Sie einen Zahlungsanbieter verbunden haben.

## Anbieter verbinden

Öffnen Sie **Einstellungen**, dann **Zahlungen**, und verbinden Sie Ihr
Stripe-Konto (oder legen Sie eines an). Das dauert wenige Minuten; Auszahlungen
gehen direkt auf Ihr Bankkonto.

## Gebühren

Ledgerly erhebt in keinem Tarif Transaktionsgebühren. Ihr Zahlungsanbieter
berechnet eigene Gebühren pro Zahlung, die Sie in seinem Dashboard sehen.

## Wenn eine Zahlung eingeht

Die Rechnung wird automatisch als bezahlt markiert, die Erinnerungen enden und
Sie bekommen eine E-Mail. Auszahlungen erreichen Ihr Bankkonto nach dem Zeitplan
Ihres Anbieters, meist innerhalb von zwei bis sieben Werktagen.
""",
        ),
    ),
    (
        "payments",
        (
            "refund-a-payment",
            "Refund a client's payment",
            """You can refund all or part of a payment a client made through Ledgerly.

## Refund a card payment

Open the paid invoice and choose **Refund**. Enter the amount and confirm. The
money goes back to the client's card, usually within five to ten business days;
the provider's fee for the original payment is not returned.

## Bank transfers

Payments the client made by bank transfer outside Ledgerly can't be refunded
from here. Send the money back from your bank and record it under **Refund**
as **Refunded outside Ledgerly**.

## Keep your books straight

Ledgerly creates a credit note for every refund, so your reports stay correct.
""",
        ),
        (
            "zahlung-erstatten",
            "Eine Kundenzahlung erstatten",
            """Sie können eine Zahlung, die ein Kunde über Ledgerly geleistet hat, ganz
oder teilweise erstatten.

## Kartenzahlung erstatten

Öffnen Sie die bezahlte Rechnung und wählen Sie **Erstatten**. Geben Sie den
Betrag ein und bestätigen Sie. Das Geld geht auf die Karte des Kunden zurück,
meist innerhalb von fünf bis zehn Werktagen; die Gebühr des Anbieters für die
ursprüngliche Zahlung wird nicht erstattet.

## Überweisungen

Zahlungen, die der Kunde außerhalb von Ledgerly überwiesen hat, lassen sich hier
nicht erstatten. Überweisen Sie das Geld von Ihrer Bank zurück und erfassen Sie
es unter **Erstatten** als **Außerhalb von Ledgerly erstattet**.

## Saubere Buchhaltung

Ledgerly legt zu jeder Erstattung eine Gutschrift an, damit Ihre Berichte
stimmen.
""",
        ),
    ),
    (
        "payments",
        (
            "currencies-and-tax-rates",
            "Currencies and tax rates",
            """Every plan invoices in your account's currency. Business adds more.

## Invoice in another currency

On the Business plan, choose a currency per client or per invoice. Ledgerly
shows the exchange rate of the invoice date in your reports; the client pays the
amount in their currency.

## Tax rates

Add your tax rates under **Settings**, then **Taxes**, for example 19 % and 7 %
VAT. Choose a rate per invoice line, or set a default per client.

## Tax rules by country

Business can apply tax rules per client country, such as reverse charge for EU
businesses or no VAT for clients outside the EU.
""",
        ),
        (
            "waehrungen-und-steuersaetze",
            "Währungen und Steuersätze",
            """Jeder Tarif stellt in der Währung Ihres Kontos in Rechnung. Business kann
mehr.

## In einer anderen Währung abrechnen

Im Business-Tarif wählen Sie eine Währung pro Kunde oder pro Rechnung. Ledgerly
zeigt in Ihren Berichten den Wechselkurs des Rechnungsdatums; der Kunde zahlt in
seiner Währung.

## Steuersätze

Legen Sie Ihre Steuersätze unter **Einstellungen**, dann **Steuern**, an, zum
Beispiel 19 % und 7 % Umsatzsteuer. Wählen Sie einen Satz pro Rechnungsposition
oder einen Standard pro Kunde.

## Steuerregeln nach Land

Business wendet Steuerregeln nach dem Land des Kunden an, etwa Reverse Charge für
Unternehmen in der EU oder keine Umsatzsteuer für Kunden außerhalb der EU.
""",
        ),
    ),
    (
        "account",
        (
            "invite-your-team",
            "Invite your team and set roles",
            """Team includes five members; Business has no limit. Starter is for one
person.

## Invite someone

Open **Settings**, then **Team**, and choose **Invite**. Enter their email
address and pick a role. They get an email with a link that is valid for seven
days.

## Roles

- **Owner**: everything, including billing and closing the account.
- **Admin**: everything except billing.
- **Member**: creates and sends invoices, sees clients and payments.
- **Accountant**: reads everything and exports; changes nothing.

## Remove a member

Choose **Remove** next to their name. Their invoices stay in the account.
""",
        ),
        (
            "team-einladen",
            "Team einladen und Rollen vergeben",
            """Team enthält fünf Mitglieder, Business hat keine Grenze. Starter ist für
eine Person.

## Jemanden einladen

Öffnen Sie **Einstellungen**, dann **Team**, und wählen Sie **Einladen**. Geben
Sie die E-Mail-Adresse ein und wählen Sie eine Rolle. Die Person bekommt eine
E-Mail mit einem Link, der sieben Tage gültig ist.

## Rollen

- **Inhaber**: alles, auch Abrechnung und Schließen des Kontos.
- **Admin**: alles außer der Abrechnung.
- **Mitglied**: erstellt und versendet Rechnungen, sieht Kunden und Zahlungen.
- **Buchhaltung**: sieht alles und exportiert, ändert nichts.

## Mitglied entfernen

Wählen Sie **Entfernen** neben dem Namen. Die Rechnungen der Person bleiben im
Konto.
""",
        ),
    ),
    (
        "account",
        (
            "export-your-data",
            "Export your data as CSV or PDF",
            """Your data is yours: export it whenever you like, on every plan.

## Export to CSV

Open **Reports**, then **Export**, and choose **CSV**. Pick what to export
(invoices, clients, payments) and a date range. The file arrives by email within
a minute, as a link that works for 24 hours.

## All invoices as PDF

Choose **PDF archive** on the same page to get every invoice of a period as PDF
files in one ZIP archive.

## For your accountant

Invite your accountant with the **Accountant** role: they can run exports
themselves without changing anything.
""",
        ),
        (
            "daten-exportieren",
            "Daten als CSV oder PDF exportieren",
            """Ihre Daten gehören Ihnen: Exportieren Sie sie jederzeit, in jedem Tarif.

## Als CSV exportieren

Öffnen Sie **Berichte**, dann **Export**, und wählen Sie **CSV**. Wählen Sie, was
exportiert werden soll (Rechnungen, Kunden, Zahlungen), und einen Zeitraum. Die
Datei kommt innerhalb einer Minute per E-Mail, als Link, der 24 Stunden gilt.

## Alle Rechnungen als PDF

Wählen Sie auf derselben Seite **PDF-Archiv**, um alle Rechnungen eines
Zeitraums als PDF-Dateien in einem ZIP-Archiv zu bekommen.

## Für Ihre Steuerberatung

Laden Sie Ihre Steuerberatung mit der Rolle **Buchhaltung** ein: Sie kann Exporte
selbst erstellen, ohne etwas zu ändern.
""",
        ),
    ),
    (
        "account",
        (
            "two-step-verification",
            "Sign-in problems and two-step verification",
            """Keep your account safe with a second step at sign-in.

## Turn on two-step verification

Open your profile, then **Security**, and choose **Turn on**. Scan the code with
an authenticator app and enter the six-digit code it shows. Keep the backup
codes somewhere safe.

## Forgot your password

Choose **Forgot password?** on the sign-in page. The reset link we email is
valid for one hour. No email? Check your spam folder and that you used the
address your account was invited with.

## Lost your phone

Sign in with one of your backup codes, then set up the authenticator again. No
backup codes? The account owner can reset your two-step verification under
**Settings**, then **Team**.
""",
        ),
        (
            "anmeldung-und-zwei-faktor",
            "Anmeldeprobleme und Zwei-Faktor-Anmeldung",
            """Schützen Sie Ihr Konto mit einem zweiten Schritt bei der Anmeldung.

## Zwei-Faktor-Anmeldung einschalten

Öffnen Sie Ihr Profil, dann **Sicherheit**, und wählen Sie **Einschalten**.
Scannen Sie den Code mit einer Authenticator-App und geben Sie den sechsstelligen
Code ein, den sie anzeigt. Bewahren Sie die Backup-Codes sicher auf.

## Passwort vergessen

Wählen Sie auf der Anmeldeseite **Passwort vergessen?**. Der Link, den wir Ihnen
schicken, ist eine Stunde gültig. Keine E-Mail? Sehen Sie im Spam-Ordner nach und
prüfen Sie, ob Sie die Adresse verwendet haben, mit der Sie eingeladen wurden.

## Telefon verloren

Melden Sie sich mit einem Backup-Code an und richten Sie die Authenticator-App neu
ein. Keine Backup-Codes? Der Kontoinhaber kann Ihre Zwei-Faktor-Anmeldung unter
**Einstellungen**, dann **Team**, zurücksetzen.
""",
        ),
    ),
    (
        "billing",
        (
            "plans-and-prices",
            "Plans, prices and the free trial",
            """Ledgerly has three plans. Every paid plan starts with a 14-day free trial,
no card needed.

## The plans

- **Starter**, free: up to 5 clients, unlimited invoices, card and bank payments,
  email support.
- **Team**, $29 a month: unlimited clients, 5 team members, automatic payment
  reminders, recurring invoices, live chat support.
- **Business**, $79 a month: everything in Team, unlimited members, approval
  workflows, multi-currency and tax rules, priority support.

## Paying yearly

Pay yearly and get two months free. You can switch between monthly and yearly
billing under **Settings**, then **Billing**.

## After the trial

If you haven't added a card when the trial ends, the account moves to Starter.
""",
        ),
        (
            "tarife-und-preise",
            "Tarife, Preise und kostenloser Test",
            """Ledgerly hat drei Tarife. Jeder bezahlte Tarif beginnt mit 14 Tagen
kostenlosem Test, ohne Karte.

## Die Tarife

- **Starter**, kostenlos: bis zu 5 Kunden, unbegrenzt Rechnungen, Karten- und
  Bankzahlungen, Support per E-Mail.
- **Team**, 29 $ im Monat: unbegrenzt Kunden, 5 Teammitglieder, automatische
  Zahlungserinnerungen, wiederkehrende Rechnungen, Live-Chat-Support.
- **Business**, 79 $ im Monat: alles aus Team, unbegrenzt Mitglieder,
  Freigabe-Workflows, mehrere Währungen und Steuerregeln, bevorzugter Support.

## Jährlich zahlen

Bei jährlicher Zahlung sind zwei Monate kostenlos. Zwischen monatlicher und
jährlicher Abrechnung wechseln Sie unter **Einstellungen**, dann **Abrechnung**.

## Nach dem Test

Haben Sie bis zum Ende des Tests keine Karte hinterlegt, wechselt das Konto zu
Starter.
""",
        ),
    ),
]


@transaction.atomic
def seed_articles() -> int:
    """Create the demo articles that are missing; returns how many were added."""
    categories = {}
    for key, (position, english, german) in CATEGORIES.items():
        for language, name in (("en", english), ("de", german)):
            categories[key, language], _ = Category.objects.get_or_create(
                language=language, slug=key, defaults={"name": name, "position": position}
            )
    added = 0
    for key, *versions in ARTICLES:
        for language, (slug, title, body) in zip(("en", "de"), versions, strict=True):
            _, created = Article.objects.get_or_create(
                language=language,
                slug=slug,
                defaults={
                    "title": title,
                    "body": body,
                    "category": categories[key, language],
                    "published": True,
                },
            )
            added += created
    return added
