from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from wholejourney.accounts import services as account_services
from wholejourney.accounts.forms import LanguageForm
from wholejourney.accounts.middleware import second_factor_pending
from wholejourney.accounts.permissions import Permission, public, requires
from wholejourney.core import due, selectors
from wholejourney.core.http import AuthedHttpRequest


@requires(Permission.SIGNED_IN)
def home(request: AuthedHttpRequest) -> HttpResponse:
    """The start of the day: what needs this person now (each kind of due work with its count and
    the most urgent items, whatever their kind), and for those who read the whole office or the
    figures, the office at a glance."""
    work = due.due_for(request.user, limit=HOME_ITEMS)
    context = selectors.home_summary(user=request.user) | {
        "work": work,
        "now": work.this_week[:HOME_ITEMS],
        "notices": work.notices[:HOME_NOTICES],
        "glances": due.glances_for(request.user),
    }
    return render(request, "core/home.html", context)


HOME_ITEMS, HOME_NOTICES = 8, 5
TASK_LIMIT = 50


@requires(Permission.SIGNED_IN)
def tasks(request: AuthedHttpRequest) -> HttpResponse:
    """Every kind of due work the user owns, most urgent first, this week's before the rest;
    filtered by kind (`?kind=`, repeatable) and by the person it is assigned to (`?person=`)."""
    own = due.kinds_for(request.user)
    chosen = [key for key in request.GET.getlist("kind") if key in {kind.key for kind in own}]
    work = due.due_for(request.user, kinds=chosen or None, limit=TASK_LIMIT)
    people = work.people()
    person = request.GET.get("person", "")
    if person.isdigit() and any(pk == int(person) for pk, _name in people):
        work.items = [item for item in work.items if item.person_id == int(person)]
    else:
        person = ""
    context = {"work": work, "kinds": own, "chosen": chosen, "people": people, "person": person}
    return render(request, "core/tasks.html", context)


@public
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch between English and Khmer; remembered on the account, and in a cookie before sign-in."""
    form = LanguageForm(request.POST)
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = redirect(target)
    if form.is_valid():
        language = form.cleaned_data["language"]
        # Before the second factor, only the browser's cookie: the password alone changes nothing saved.
        if request.user.is_authenticated and not second_factor_pending(request):
            account_services.user_set_language(user=request.user, language=language)
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
    return response


@public
def healthz(request: HttpRequest) -> JsonResponse:
    """For a load balancer: answers when the database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@requires(Permission.SIGNED_IN)
def job_status(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A job's progress; htmx polls the partial until the job is finished."""
    job = get_object_or_404(selectors.jobs_visible_to(request.user), pk=pk)
    template = "core/_job_progress.html" if request.htmx else "core/job.html"
    response = render(request, template, {"job": job})
    if request.htmx and job.is_finished:
        # The page around the bar may have more to show now (a download link, counts): it listens
        # for this event and refreshes its own part.
        response["HX-Trigger"] = "jobFinished"
    return response
