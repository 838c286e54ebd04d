"""Everything the widget says, kept in Django's catalogue with the rest of
Parley's words, so one .po file per language translates the whole product. The
widget config carries them in the visitor's language.

``{name}``-style fields are filled in by the widget; a pair is the singular and
the plural form, which covers languages whose plural rule is ``n != 1``."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

WORDS = {
    "chatWith": _("Chat with {name}"),
    "chatUs": _("Chat with us"),
    "needName": _("Please enter your name."),
    "needEmail": _("Please enter your email."),
    "badEmail": _("Please enter a valid email address."),
    "needBody": _("Please write a message."),
    "thanks": _("Thanks! We'll reply to {email}."),
    "support": _("Support"),
    "sending": _("Sending…"),
    "seen": _("Seen"),
    "sent": _("Sent"),
    "notSent": _("Not sent."),
    "retry": _("Retry"),
    "remove": _("Remove"),
    "yours": _("Your conversations"),
    "none": _("No conversations yet"),
    "news": _("New messages"),
    "unavailable": _("Chat is unavailable"),
    "reconnecting": _("Reconnecting… we'll send your messages"),
    "connecting": _("Connecting…"),
    "online": _("We're online · replies in minutes"),
    "away": _("We're away · leave a message"),
    "close": _("Close chat"),
    "open": _("Open chat"),
    "typing": _("{name} is typing…"),
    # Shown under the composer where the widget's typing sneak peek is on.
    "typingVisible": _("Agents can see what you type before you send it."),
    "anAgent": _("An agent"),
    "opened": _("Open"),
    "resolved": _("Resolved"),
    "closed": _("Closed"),
    "oops": _("Something went wrong. Please try again."),
    "unreachable": _("We couldn't reach the server. Check your connection and try again."),
    "all": _("All conversations"),
    "log": _("Conversation"),
    "write": _("Write a message…"),
    "message": _("Message"),
    "send": _("Send message"),
    "prechat": _("Before we start, please tell us who you are."),
    "name": _("Name"),
    "email": _("Email"),
    "start": _("Start chat"),
    "skip": _("Skip"),
    "offline": _("We're not online right now. Leave a message and we'll reply by email."),
    "nameOpt": _("Name (optional)"),
    "newConvo": _("New conversation"),
    "powered": _("Powered by Parley"),
    "end": _("End chat"),
    "endQ": _("End this chat?"),
    "cancel": _("Cancel"),
    "ended": _("This chat has ended."),
    "rate": _("How was this chat?"),
    "star": _("{n} of 5 stars"),
    "pick": _("Please pick a rating."),
    "comment": _("Comment (optional)"),
    "sendRating": _("Send rating"),
    "rated": _("Thanks for your feedback!"),
    "transcript": _("Get this chat by email?"),
    "sendTranscript": _("Send transcript"),
    "mailed": _("We'll email the transcript to {email}."),
    "later": _("Email me this chat when it ends"),
    "mailMe": _("Email me"),
    "mailedOnEnd": _("We'll email the transcript to {email} when this chat ends."),
    "attach": _("Attach an image or PDF"),
    "fileType": _("Only images (PNG, JPEG, GIF, WebP) and PDFs."),
    "emoji": _("Insert emoji"),
    "next": _("You're next in line. An agent will be with you shortly."),
    "inLine": _("You're number {n} in line. An agent will be with you as soon as one is free."),
    # The assistant (chat/assistant), which answers from the help articles.
    "assistant": _("Assistant"),
    "stop": _("Stop"),
    "person": _("Talk to a person"),
    "sources": _("Sources"),
    "helpful": _("Helpful"),
    "unhelpful": _("Not helpful"),
    # The help articles, searched before a chat and suggested while typing.
    "searchArticles": _("Search our articles"),
    "articlesFound": _("Articles that may help"),
    "noArticles": _("No articles found."),
}


def widget_words() -> dict[str, str | list[str]]:
    """The widget's words in the active language."""
    mb = settings.PARLEY["ATTACHMENT_MAX_BYTES"] // (1024 * 1024)
    return {
        **{key: str(text) for key, text in WORDS.items()},
        # The same words as the server's refusal, with the limit in force.
        "fileSize": _("Files can be at most %(mb)d MB.") % {"mb": mb},
        "openN": [
            ngettext("Open chat, {n} unread message", "Open chat, {n} unread messages", n)
            for n in (1, 2)
        ],
        "newMsg": [ngettext("({n}) New message", "({n}) New messages", n) for n in (1, 2)],
    }
