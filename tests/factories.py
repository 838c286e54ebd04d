import factory
from django.contrib.auth import get_user_model

from agents.models import AgentProfile
from helpdesk.models import Ticket, Visitor, Widget


class WidgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Widget

    name = factory.Faker("company")
    key = factory.Sequence(lambda n: f"site-{n}")


class VisitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visitor

    widget = factory.SubFactory(WidgetFactory)
    name = factory.Faker("first_name")


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    visitor = factory.SubFactory(VisitorFactory)
    subject = factory.Faker("sentence", nb_words=4)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("secret-pass-123")


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgentProfile

    user = factory.SubFactory(UserFactory)
    display_name = factory.Faker("first_name")
