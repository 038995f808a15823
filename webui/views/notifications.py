"""The signed-in user's own pages: "My subscriptions" (list, add, delete) and "My notifications"
(newest first, unread highlighted, "mark all read").

Rows are always the current user's (:func:`webui.security.current.current_actor`); writes go
through :mod:`athsys.notifications.service` and :mod:`athsys.notifications.inbox`, and every
POST must carry the page's CSRF token (checked app-wide, :mod:`webui.csrf`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

from flask import flash, redirect, render_template_string, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager

from athsys.athletes.models import Athlete
from athsys.competitions.models import Competition, Event
from athsys.errors import AthsysError, ValidationError
from athsys.inputs import whole_number
from athsys.notifications import delivery, inbox, service
from athsys.notifications.models import Channel, Subscription
from webui.security import roles
from webui.security.current import current_actor
from webui.views.integrity import constraint_error

PAGE_SIZE: Final = 25
#: what the add form offers: (value, label); e-mail goes to the account's own address
CHANNEL_CHOICES: Final = ((Channel.IN_APP.value, "In this web site (My notifications)"),
                          (Channel.EMAIL.value, "By e-mail to my account's address"))
SUBJECT_FIELDS: Final = {"competition": "competition_id", "event": "event_id",
                         "athlete": "athlete_id"}

_SUBSCRIPTIONS_PAGE = """{% extends appbuilder.base_template %}
{% block content %}
<h2>My subscriptions</h2>
<p>Hear when a result becomes official, here under My notifications or by e-mail.</p>
<table class="table table-sm" id="subscriptions">
  <tr><th>Subject</th><th>How</th><th>Unofficial results too</th><th>Since</th><th></th></tr>
  {% for row in rows %}
  <tr>
    <td>{{ row.subject }}</td><td>{{ row.channel }}</td>
    <td>{{ "yes" if row.include_unofficial else "no" }}</td>
    <td>{{ row.created_at }}</td>
    <td><form method="post" action="{{ url_for('MySubscriptionsView.delete', pk=row.id) }}">
      <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
      <button type="submit" class="btn btn-sm btn-outline-danger">Delete</button>
    </form></td>
  </tr>
  {% else %}
  <tr><td colspan="5">No subscriptions yet.</td></tr>
  {% endfor %}
</table>
<h3>Subscribe</h3>
<form method="post" action="{{ url_for('MySubscriptionsView.add') }}" class="form-inline">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <select name="subject" class="form-control mr-2" required>
    <option value="">Competition, event or athlete…</option>
    {% for group, options in subjects %}
    <optgroup label="{{ group }}">
      {% for value, label in options %}<option value="{{ value }}">{{ label }}</option>{% endfor %}
    </optgroup>
    {% endfor %}
  </select>
  <select name="channel" class="form-control mr-2">
    {% for value, label in channels %}<option value="{{ value }}">{{ label }}</option>{% endfor %}
  </select>
  <label class="mr-2"><input type="checkbox" name="include_unofficial" value="y">
    unofficial results too</label>
  <button type="submit" class="btn btn-primary">Subscribe</button>
</form>
{% endblock %}
"""

_NOTIFICATIONS_PAGE = """{% extends appbuilder.base_template %}
{% block content %}
<h2>My notifications <small>({{ unread }} unread)</small></h2>
<form method="post" action="{{ url_for('MyNotificationsView.mark_all_read') }}" class="mb-3">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <button type="submit" class="btn btn-secondary" {{ "disabled" if not unread }}>
    Mark all read</button>
</form>
<table class="table table-sm" id="notifications">
  <tr><th>When (UTC)</th><th>Result</th><th>Details</th></tr>
  {% for row in rows %}
  <tr class="{{ 'table-warning font-weight-bold unread' if row.unread else 'read' }}"
      data-id="{{ row.id }}">
    <td>{{ row.created_at }}{% if row.unread %} <span class="badge badge-primary">new</span>
      {% endif %}</td>
    <td>{{ row.title }}</td><td><pre class="mb-0">{{ row.body }}</pre></td>
  </tr>
  {% else %}
  <tr><td colspan="3">No notifications yet. Subscribe under My subscriptions.</td></tr>
  {% endfor %}
</table>
{% if pages > 1 %}
<nav><ul class="pagination">
  {% for n in range(1, pages + 1) %}
  <li class="page-item {{ 'active' if n == page }}">
    <a class="page-link" href="{{ url_for('MyNotificationsView.notifications', page=n) }}">
      {{ n }}</a></li>
  {% endfor %}
</ul></nav>
{% endif %}
{% endblock %}
"""


def _session(view: BaseView) -> Session:
    return view.appbuilder.session  # type: ignore[attr-defined, no-any-return]


def _labels(session: Session, model: type, ids: Iterable[int],
            label: Callable[[Any], str]) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.scalars(select(model).where(model.id.in_(wanted)))  # type: ignore[attr-defined]
    return {row.id: label(row) for row in rows}


def _event_label(event: Event) -> str:
    return f"{event.name} ({event.sex.value}, {event.competition.name})"


def _athlete_label(athlete: Athlete) -> str:
    club = f", {athlete.club.code}" if athlete.club else ""
    return f"{athlete.last_name.upper()} {athlete.first_name}{club}"


def subscription_rows(session: Session, subscriptions: list[Subscription]) -> list[dict[str, Any]]:
    """What the list shows of each subscription: its subject by name, not by id."""
    names = {
        "competition_id": _labels(session, Competition,
                                  (s.competition_id for s in subscriptions if s.competition_id),
                                  lambda c: str(c.name)),
        "event_id": _labels(session, Event, (s.event_id for s in subscriptions if s.event_id),
                            _event_label),
        "athlete_id": _labels(session, Athlete,
                              (s.athlete_id for s in subscriptions if s.athlete_id),
                              _athlete_label),
    }
    rows = []
    for sub in subscriptions:
        kind, field = next((k, f) for k, f in SUBJECT_FIELDS.items()
                           if getattr(sub, f) is not None)
        rows.append({
            "id": sub.id,
            "subject": f"{kind.capitalize()}: {names[field].get(getattr(sub, field), '?')}",
            "channel": dict(CHANNEL_CHOICES).get(sub.channel.value, sub.channel.value),
            "include_unofficial": sub.include_unofficial,
            "created_at": f"{sub.created_at:%Y-%m-%d %H:%M}",
        })
    return rows


def subject_choices(session: Session) -> list[tuple[str, list[tuple[str, str]]]]:
    """The add form's subjects, grouped: competitions (newest first), events, athletes."""
    competitions = session.scalars(select(Competition).order_by(
        Competition.start_date.desc(), Competition.name)).all()
    events = session.scalars(
        select(Event).join(Event.competition).options(contains_eager(Event.competition))
        .order_by(Competition.start_date.desc(), Event.name, Event.id)).all()
    athletes = session.scalars(
        select(Athlete).outerjoin(Athlete.club).options(contains_eager(Athlete.club))
        .order_by(Athlete.last_name, Athlete.first_name, Athlete.id)).all()
    return [
        ("Competitions", [(f"competition:{c.id}", c.name) for c in competitions]),
        ("Events", [(f"event:{e.id}", _event_label(e)) for e in events]),
        ("Athletes", [(f"athlete:{a.id}", _athlete_label(a)) for a in athletes]),
    ]


def parse_subject(value: str) -> dict[str, int]:
    """``"athlete:12"`` -> ``{"athlete_id": 12}``; a ValidationError naming ``subject``."""
    kind, _, ident = value.partition(":")
    number = whole_number(ident)
    if kind not in SUBJECT_FIELDS or number is None:
        raise ValidationError("choose a competition, an event or an athlete",
                              details={"subject": value})
    return {SUBJECT_FIELDS[kind]: number}


def parse_channel(value: str) -> Channel:
    if value not in dict(CHANNEL_CHOICES):
        raise ValidationError(f"unknown channel {value!r}", details={"channel": value})
    return Channel(value)


class MySubscriptionsView(BaseView):
    route_base = "/my/subscriptions"
    class_permission_name = roles.MY_SUBSCRIPTIONS
    method_permission_name = {"subscriptions": "list", "add": "add", "delete": "delete"}
    default_view = "subscriptions"

    @expose("/")
    @has_access
    def subscriptions(self) -> Any:
        session = _session(self)
        actor = current_actor()
        own = session.scalars(inbox.subscriptions_query(actor).order_by(
            Subscription.created_at.desc(), Subscription.id.desc())).all()
        return render_template_string(
            _SUBSCRIPTIONS_PAGE, rows=subscription_rows(session, list(own)),
            subjects=subject_choices(session), channels=CHANNEL_CHOICES,
            appbuilder=self.appbuilder)

    @expose("/add", methods=["POST"])
    @has_access
    def add(self) -> Any:
        def subscribe(session: Session) -> str:
            actor = current_actor()
            service.subscribe(
                session, actor, channel=parse_channel(
                    request.form.get("channel") or Channel.IN_APP.value),
                user_id=actor.user_id, include_unofficial=bool(
                    request.form.get("include_unofficial")),
                **parse_subject(request.form.get("subject", "")),
            )
            return "Subscribed."
        return self._write(subscribe)

    @expose("/delete/<int:pk>", methods=["POST"])
    @has_access
    def delete(self, pk: int) -> Any:
        def unsubscribe(session: Session) -> str:
            actor = current_actor()
            service.unsubscribe(session, actor, inbox.own_subscription(session, actor, pk))
            return "Subscription deleted."
        return self._write(unsubscribe)

    def _write(self, change: Callable[[Session], str]) -> Any:
        target = redirect(url_for("MySubscriptionsView.subscriptions"))
        session = _session(self)
        try:
            done = change(session)
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            flash(constraint_error(exc).message, "danger")
        except AthsysError as exc:
            session.rollback()
            flash(exc.message, "danger")
        else:
            flash(done, "success")
        return target


class MyNotificationsView(BaseView):
    route_base = "/my/notifications"
    class_permission_name = roles.MY_NOTIFICATIONS
    method_permission_name = {"notifications": "list", "mark_all_read": "edit"}
    default_view = "notifications"

    @expose("/")
    @has_access
    def notifications(self) -> Any:
        session = _session(self)
        actor = current_actor()
        page = request.args.get("page", "1")
        number = whole_number(page) or 1
        query = inbox.notifications_query(actor)
        total = inbox.count(session, query)
        rows = []
        for notification in session.scalars(
            query.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)
        ):
            title, body = delivery.render_email(notification.payload)
            rows.append({"id": notification.id, "title": title, "body": body.strip(),
                         "unread": notification.read_at is None,
                         "created_at": f"{notification.created_at:%Y-%m-%d %H:%M}"})
        return render_template_string(
            _NOTIFICATIONS_PAGE, rows=rows, unread=inbox.unread_count(session, actor),
            page=number, pages=-(-total // PAGE_SIZE), appbuilder=self.appbuilder)

    @expose("/mark-all-read", methods=["POST"])
    @has_access
    def mark_all_read(self) -> Any:
        target = redirect(url_for("MyNotificationsView.notifications"))
        session = _session(self)
        try:
            count = inbox.mark_all_read(session, current_actor())
            session.commit()
        except AthsysError as exc:
            session.rollback()
            flash(exc.message, "danger")
        else:
            flash(f"{count} marked read.", "success")
        return target


def register_notification_views(appbuilder: Any) -> None:
    """Add the signed-in user's pages under one menu category (call once, in the app context)."""
    appbuilder.add_view(MyNotificationsView, roles.MY_NOTIFICATIONS, icon="fa-bell",
                        category=roles.NOTIFICATIONS_MENU)
    appbuilder.add_view(MySubscriptionsView, roles.MY_SUBSCRIPTIONS, icon="fa-star",
                        category=roles.NOTIFICATIONS_MENU)
