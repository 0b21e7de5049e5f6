"""Casework (个案跟进): a caseworker follows their own organisation's families in
difficulty (issue 17) from a phone: who is due for follow-up or has not been heard
from, one case with its assessments and services (update it, record a service, close
it, delete the household on request), a new assessment on a form generated from the
network's tool, and a round imported as a spreadsheet.

Only the ``caseworker`` role opens this page, and every read and write names the
organisation it is bound to (dashboard.access, level ``household``): no other
organisation's household can be asked for. Household rows are read with ``fresh`` and
never enter the shared cache, so no other session, role or rewarm ever holds them.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard.access import AccessDenied, org_of
from dashboard.app.cache import fresh
from dashboard.app.components import assessment_tool, offer
from dashboard.app.frame import View
from dashboard.app.importing import uploader_css
from dashboard.app.tables import DATE, NAME, REGION, TEXT, Col, region_name, show_table
from dashboard.i18n import note_summary, problem_message, system_reason, t, value_label
from dashboard.present import formatting
from dashboard.present.markup import md
from data_loaders import store
from data_loaders.households import cases, rounds
from data_loaders.households.tool import Tool
from data_loaders.store import schema

MAX_ROUND_MB = 5  # a round of a few thousand households is well under this
ROUND_TYPES = ("csv", "xlsx", "xls")
NOT_ASKED = -1  # the answer widget's "not asked" (a blank cell in a round file)


def render(view: View) -> None:
    """The caseworker's page: the follow-up list, a case, a new assessment, a round."""
    lang = view.lang
    org = org_of(view.role)
    if view.role != "caseworker" or not org:
        st.info(t("casework.no_org", lang))
        return
    tool = assessment_tool(lang)
    if tool is None:
        return
    today = _today(view)
    orgs = fresh(view, "cases.organisations", org)
    names = dict(zip(orgs["org_id"], orgs["name"]))
    if org not in names:  # every household names its organisation: it must be known
        st.warning(t("casework.org_unknown", lang, org=md(org)))
        return
    load = fresh(view, "cases.caseload", org, today)
    st.caption(t("casework.caption", lang, org=md(names[org]), day=today.isoformat(),
                 days=cases.no_contact_days()))
    _outcome(view)
    _headline(load, lang)
    tabs = st.tabs([t("casework.tab.due", lang), t("casework.tab.case", lang),
                    t("casework.tab.assess", lang), t("casework.tab.round", lang)])
    with tabs[0]:
        _due(view, load)
    with tabs[1]:
        _case(view, org, load, tool, today, names)
    with tabs[2]:
        _assessment_form(view, org, load, tool, today)
    with tabs[3]:
        _round(view, org, tool)


def _today(view: View) -> date:
    """The day the lists are drawn for: today, or the data's last day when the store
    holds a past response (the demo, the 2020 data), as the Report page's forms do."""
    today = date.today()
    return view.last if view.last and view.last < today else today


def _outcome(view: View) -> None:
    """What the last change did, said once after the rerun it caused."""
    done = st.session_state.pop("_casework_done", None)
    if done:
        st.success(done)
    if st.session_state.pop("_casework_refused", False):
        st.error(t("casework.refused", view.lang))
    failed = st.session_state.pop("_casework_failed", None)
    if failed:
        st.error(failed)


def _headline(load: pd.DataFrame, lang: str) -> None:
    is_open = load["case_status"].isin(cases.OPEN)
    figures = (("open", int(is_open.sum())), ("due", int(load["due"].sum())),
               ("silent", int(load["no_contact"].sum())),
               ("resolved", int((load["case_status"] == "resolved").sum())))
    columns = st.columns(len(figures))
    for column, (name, value) in zip(columns, figures):
        column.metric(t(f"casework.metric.{name}", lang), formatting.count(value))


def _follower(caseworker, actor: str, lang: str) -> str:
    """Who follows a case, as a colleague reads it: "me", "a colleague" or "nobody yet"
    (a colleague's sign-in is a contact detail, never shown)."""
    if not caseworker or pd.isna(caseworker):
        return t("casework.follower.nobody", lang)
    return t("casework.follower.me" if caseworker == actor else "casework.follower.colleague",
             lang)


def _key(name: str, household: str) -> str:
    """A form widget's key: one per household, so a half-filled form stays with its own."""
    return f"casework_{name}_{household}"


def _status(value, lang: str) -> str:
    return value_label("case_status", value, lang) if value else t("casework.no_case", lang)


def _household_labels(load: pd.DataFrame, lang: str) -> dict[str, str]:
    """Each household's id and region, as the case picker lists them (not the status: it
    is shown under the choice, and changes as the case is worked). Each region's name is
    looked up once: an organisation may follow thousands of households."""
    names = {code: region_name(code, lang) for code in load["region_adcode"].unique()}
    return {h: f"{h} · {names[code]}" for h, code in zip(load["household_id"],
                                                         load["region_adcode"])}


# --- ① due for follow-up -----------------------------------------------------------

def _due(view: View, load: pd.DataFrame) -> None:
    lang = view.lang
    act = load[load["due"] | load["no_contact"]]
    mine = act["caseworker"] == view.actor
    if mine.any():  # the caseworker's own list first; the organisation's a tap away
        whose = st.radio(t("casework.due.whose", lang), ("mine", "all"), horizontal=True,
                         key="casework_whose",
                         format_func=lambda w: t(f"casework.due.whose_{w}", lang))
        if whose == "mine":
            act = act[mine]
    if act.empty:
        st.success(t("casework.due.none", lang))
        return
    st.caption(t("casework.due.caption", lang, n=formatting.count(len(act)),
                 days=cases.no_contact_days()))
    flags = [
        "、".join(w for w, on in ((t("casework.flag.due", lang), due),
                                  (t("casework.flag.silent", lang), silent)) if on)
        if lang == "zh" else
        ", ".join(w for w, on in ((t("casework.flag.due", lang), due),
                                  (t("casework.flag.silent", lang), silent)) if on)
        for due, silent in zip(act["due"], act["no_contact"])]
    frame = pd.DataFrame({
        "household": act["household_id"],
        "flags": flags,
        "days": [t("casework.days", lang, n=int(d)) if pd.notna(d) else formatting.MISSING
                 for d in act["days_since_contact"]],
        "next_review_on": act["next_review_on"],
        "region_adcode": act["region_adcode"],
        "status": [_status(s, lang) for s in act["case_status"]],
        "caseworker": [_follower(c, view.actor, lang) for c in act["caseworker"]],
    })
    show_table(frame, view, [
        Col("household", NAME, header=t("casework.col.household", lang)),
        Col("flags", TEXT, header=t("casework.col.flags", lang)),
        Col("days", TEXT, header=t("casework.col.days", lang), align="right"),
        Col("next_review_on", DATE, header=t("casework.col.next_review", lang)),
        Col("region_adcode", REGION, header=t("casework.col.region", lang)),
        Col("status", TEXT, header=t("casework.col.status", lang)),
        Col("caseworker", TEXT, header=t("casework.col.caseworker", lang)),
    ], key="casework_due")


# --- ② one case ----------------------------------------------------------------------

def _case(view: View, org: str, load: pd.DataFrame, tool: Tool, today: date,
          names: dict[str, str]) -> None:
    lang = view.lang
    if load.empty:
        st.info(t("casework.none", lang))
        return
    labels = _household_labels(load, lang)
    chosen = st.selectbox(t("casework.case.which", lang), list(labels), key="casework_household",
                          format_func=labels.get)
    detail = fresh(view, "cases.case_detail", org, chosen)
    if detail is None:  # deleted by another session a moment ago
        st.info(t("casework.case.gone", lang))
        return
    _case_summary(view, detail, tool, names)
    _case_form(view, org, chosen, detail["case"], today)
    _service_form(view, org, chosen, today, names)
    _delete(view, org, chosen)


def _case_summary(view: View, detail: dict, tool: Tool, names: dict[str, str]) -> None:
    lang, record, case = view.lang, detail["record"], detail["case"]
    members = [t(f"casework.member.{flag}", lang) for flag in ("children", "elderly",
                                                                "sick_or_disabled")
               if record.get(flag) is True]
    size = record.get("size")
    facts = [region_name(record["region_adcode"], lang),
             t("casework.size", lang, n=int(size)) if size is not None and pd.notna(size) else "",
             "、".join(members) if lang == "zh" else ", ".join(members),
             value_label("migration_status", record.get("migration_status"), lang)]
    st.markdown(md(" · ".join(f for f in facts if f)))
    dates = [(t("casework.opened", lang), case["opened_on"]),
             (t("casework.last_contact", lang), case["last_contact_on"]),
             (t("casework.next_review", lang), case["next_review_on"]),
             (t("casework.closed", lang), case["closed_on"])]
    shown = [(t("casework.col.status", lang), _status(case["case_status"], lang)),
             (t("casework.col.caseworker", lang),
              _follower(case["caseworker"], view.actor, lang)),
             *((name, day.isoformat()) for name, day in dates if day)]
    st.caption(" · ".join(f"{name}：{value}" if lang == "zh" else f"{name}: {value}"
                          for name, value in shown))
    if case["close_reason"]:
        st.caption(t("casework.close_reason_was", lang, reason=md(case["close_reason"])))
    answers = detail["answers"]
    if not answers.empty:
        latest = answers[answers["round_id"] == answers["round_id"].iloc[-1]]
        given = dict(zip(latest["question_id"], latest["answer"]))
        serious = [area.label(lang) for area in tool.areas  # in the tool's order
                   if area.id in given and given[area.id] >= tool.serious]
        st.markdown(md(t("casework.serious", lang, round=latest["round_id"].iloc[0],
                         areas=("、" if lang == "zh" else ", ").join(serious)
                         or t("casework.serious_none", lang))))
    services = detail["services"]
    if not services.empty:
        lines = []
        for _, s in services.iterrows():
            line = f"{pd.Timestamp(s['given_on']).date().isoformat()} " \
                   f"{value_label('service_kind', s['service_kind'], lang)}"
            if pd.notna(s["amount_cny"]):
                line += " " + formatting.money(float(s["amount_cny"]), lang)
            if s["referred_to"]:
                line += " → " + names.get(s["referred_to"], str(s["referred_to"]))
            lines.append(line)
        st.markdown(md(t("casework.services_given", lang)) + "\n\n" +
                    "\n".join(f"- {md(line)}" for line in lines))


def _case_form(view: View, org: str, household: str, case: dict, today: date) -> None:
    lang = view.lang
    statuses = [c.value for c in schema.CASE_STATUSES]
    current = case["case_status"] if case["case_status"] in statuses else "open"
    errors = st.session_state.get(f"_casework_errors_case_{household}", [])
    with st.form(f"casework_case_{household}", border=True):
        st.markdown(f"**{t('casework.case.update', lang)}**")
        st.selectbox(t("casework.case.status", lang), statuses, index=statuses.index(current),
                     key=_key("status", household),
                     format_func=lambda v: value_label("case_status", v, lang))
        st.date_input(t("casework.case.on", lang), value=today, max_value=today,
                      key=_key("on", household), format="YYYY-MM-DD")
        st.date_input(t("casework.case.next_review", lang), value=None, key=_key("review", household),
                      format="YYYY-MM-DD", help=t("casework.case.next_review_help", lang,
                                                  days=cases.REVIEW_DAYS))
        st.text_input(t("casework.case.close_reason", lang), value=case["close_reason"] or "",
                      key=_key("reason", household),
                      help=t("casework.case.close_reason_help", lang))
        st.text_area(t("casework.case.notes", lang), value=case["notes"] or "",
                     key=_key("notes", household), max_chars=cases.MAX_NOTES,
                     help=t("casework.case.notes_help", lang))
        st.checkbox(t("casework.case.take", lang), key=_key("take", household),
                    value=case["caseworker"] in (None, view.actor))
        for message in errors:
            st.error(message)
        st.form_submit_button(t("casework.case.save", lang), type="primary", width="stretch",
                              on_click=_save_case, args=(view, org, household))


def _save_case(view: View, org: str, household: str) -> None:
    state = st.session_state
    problems = _run(view, "cases.update_case", org, household,
                    state[_key("status", household)], state[_key("on", household)],
                    next_review_on=state.get(_key("review", household)),
                    close_reason=state.get(_key("reason", household)),
                    notes=state.get(_key("notes", household)), today=_today(view),
                    caseworker=view.actor if state.get(_key("take", household)) else None)
    _said(view, "case", household, problems)


def _service_form(view: View, org: str, household: str, today: date,
                  names: dict[str, str]) -> None:
    lang = view.lang
    kinds = [c.value for c in schema.SERVICE_KINDS]
    names = {o: n for o, n in names.items() if o != org}
    errors = st.session_state.get(f"_casework_errors_service_{household}", [])
    with st.form(f"casework_service_{household}", border=True):
        st.markdown(f"**{t('casework.service.title', lang)}**")
        st.selectbox(t("column.household_services.service_kind", lang), kinds,
                     key=_key("kind", household),
                     format_func=lambda v: value_label("service_kind", v, lang))
        st.date_input(t("column.household_services.given_on", lang), value=today,
                      max_value=today, key=_key("given_on", household), format="YYYY-MM-DD")
        st.number_input(t("casework.service.amount", lang), min_value=0.0,
                        max_value=float(cases.MAX_AMOUNT), value=None, step=100.0,
                        key=_key("amount", household), help=t("casework.service.amount_help", lang))
        st.selectbox(t("casework.service.referred_to", lang), [None, *names], index=0,
                     key=_key("referred", household), format_func=lambda o: names.get(o) or
                     t("casework.service.nobody", lang))
        for message in errors:
            st.error(message)
        st.form_submit_button(t("casework.service.save", lang), width="stretch",
                              on_click=_save_service, args=(view, org, household))


def _save_service(view: View, org: str, household: str) -> None:
    state = st.session_state
    problems = _run(view, "cases.add_service", org, household, state[_key("given_on", household)],
                    state[_key("kind", household)], amount_cny=state.get(_key("amount", household)),
                    referred_to=state.get(_key("referred", household)), today=_today(view),
                    caseworker=view.actor)
    if _said(view, "service", household, problems):
        for name in ("amount", "referred"):
            state.pop(_key(name, household), None)


def _delete(view: View, org: str, household: str) -> None:
    lang = view.lang
    with st.expander(t("casework.delete.title", lang)):
        st.caption(t("casework.delete.caption", lang))
        sure = st.checkbox(t("casework.delete.confirm", lang, household=household),
                           key=f"casework_delete_sure_{household}")
        st.button(t("casework.delete.button", lang), disabled=not sure,
                  key=f"casework_delete_{household}", on_click=_delete_now,
                  args=(view, org, household))


def _delete_now(view: View, org: str, household: str) -> None:
    deleted = _run(view, "rounds.delete_households", org, [household])
    if deleted:
        st.session_state["_casework_done"] = t("casework.delete.done", view.lang,
                                               household=household)
        st.session_state.pop("casework_household", None)


# --- ③ a new assessment ------------------------------------------------------------

def _assessment_form(view: View, org: str, load: pd.DataFrame, tool: Tool, today: date) -> None:
    """The tool's questions, one widget each, with the household's record above them:
    an existing household's record is filled in, a new one is typed."""
    lang = view.lang
    st.caption(t("casework.assess.caption", lang, tool=md(tool.label(lang))))
    known = dict(zip(load["household_id"], load["region_adcode"]))  # id → its region
    errors = st.session_state.get("_casework_errors_assess", [])
    with st.form("casework_assess", border=True, clear_on_submit=False):
        st.text_input(t("column.households.household_id", lang), key="assess_household_id",
                      help=t("casework.assess.household_help", lang,
                             known=", ".join(list(known)[:3])))
        st.text_input(t("column.households.region", lang), key="assess_region",
                      help=t("casework.assess.region_help", lang))
        left, right = st.columns(2)
        left.number_input(t("column.households.size", lang), min_value=1,
                          max_value=schema.MAX_HOUSEHOLD_SIZE, value=None, step=1,
                          key="assess_size")
        statuses = [None, *(c.value for c in schema.MIGRATION_STATUSES)]
        right.selectbox(t("column.households.migration_status", lang), statuses,
                        key="assess_migration", format_func=lambda v: value_label(
                            "migration_status", v, lang) if v else t("casework.unknown", lang))
        for flag in ("children", "elderly", "sick_or_disabled"):
            st.checkbox(t(f"column.households.{flag}", lang), key=f"assess_{flag}")
        left, right = st.columns(2)
        left.text_input(t("column.household_assessments.round_id", lang), key="assess_round",
                        help=t("casework.assess.round_help", lang))
        right.date_input(t("column.household_assessments.assessed_on", lang), value=today,
                         max_value=today, key="assess_on", format="YYYY-MM-DD")
        for question in tool.questions:
            options = [NOT_ASKED, *(a.value for a in question.scale)]
            labels = {NOT_ASKED: t("casework.assess.not_asked", lang),
                      **{a.value: a.label(lang) for a in question.scale}}
            st.radio(question.label(lang), options, key=f"assess_q_{question.id}",
                     horizontal=True, format_func=labels.get)
        for message in errors:
            st.error(message)
        st.form_submit_button(t("casework.assess.save", lang), type="primary", width="stretch",
                              on_click=_save_assessment, args=(view, org, tool, known))


def _save_assessment(view: View, org: str, tool: Tool, known: dict) -> None:
    state = st.session_state
    household = (state.get("assess_household_id") or "").strip()
    record = {"household_id": household, "region": (state.get("assess_region") or "").strip(),
              "size": state.get("assess_size"), "migration_status": state.get("assess_migration"),
              **{flag: state.get(f"assess_{flag}") for flag in ("children", "elderly",
                                                                "sick_or_disabled")}}
    if household in known and not record["region"]:
        # An existing household keeps its region when the form leaves it blank.
        record["region"] = region_name(known[household], "zh")
    answers = {q.id: state.get(f"assess_q_{q.id}") for q in tool.questions
               if state.get(f"assess_q_{q.id}") not in (None, NOT_ASKED)}
    form = cases.AssessmentForm(record, (state.get("assess_round") or "").strip(),
                                state.get("assess_on") or _today(view), answers)
    report = _run(view, "cases.save_assessment", org, form)
    if report is None:
        return
    state["_casework_errors_assess"] = _messages(report.problems, view.lang, tool)
    if report.committed:
        state["_casework_done"] = t("casework.assess.saved", view.lang, household=household,
                                    round=form.round_id, answers=report.answers)
        for key in [k for k in state if str(k).startswith("assess_")]:
            del state[key]  # an empty form for the next household
        state["casework_household"] = household  # its case is the one shown next


# --- ④ a round as a spreadsheet ---------------------------------------------------

def _round(view: View, org: str, tool: Tool) -> None:
    lang = view.lang
    st.caption(t("casework.round.caption", lang, questions=("、" if lang == "zh" else ", ").join(
        q.label(lang) for q in tool.questions)))
    offer(t("casework.round.template", lang), lambda: rounds.template(tool, lang),
          f"lifeline_round_template_{lang}.csv", "text/csv", view, "dl_round_template")
    turn = st.session_state.get("_casework_round_turn", 0)
    css = uploader_css(view, f"{MAX_ROUND_MB:g}", ROUND_TYPES)
    if css:
        st.html(css)
    upload = st.file_uploader(t("casework.round.upload", lang), type=list(ROUND_TYPES),
                              key=f"casework_round_{turn}", max_upload_size=MAX_ROUND_MB)
    errors = st.session_state.get("_casework_errors_round", [])
    if errors:
        st.error(t("casework.round.refused", lang, n=len(errors)))
        for message in errors:
            st.markdown(f"- {md(message)}")
    if upload is not None:
        st.button(t("casework.round.import", lang), type="primary", key="casework_round_go",
                  on_click=_import_round, args=(view, org, tool, upload.name, upload.getvalue()))


def _import_round(view: View, org: str, tool: Tool, name: str, data: bytes) -> None:
    report = _run(view, "rounds.import_round", name, data, org_id=org)
    if report is None:
        return
    state = st.session_state
    state["_casework_errors_round"] = [
        (f"{p.file}:{p.row} " if p.row else f"{p.file} ") + message
        for p, message in zip(report.problems, _messages(report.problems, view.lang, tool))]
    if report.committed:
        state["_casework_done"] = t("casework.round.done", view.lang, households=report.households,
                                    answers=report.answers) + "".join(
            f"\n- {md(sentence)}" for sentence in note_summary(report.notes, view.lang))
        state["_casework_round_turn"] = state.get("_casework_round_turn", 0) + 1


# --- shared ------------------------------------------------------------------------

def _run(view: View, name: str, *args, **kwargs):
    """Run a household write for this caseworker; a refusal, a busy or unwritable store
    is said (None), never raised: the form keeps what was typed, to try again."""
    try:
        return fresh(view, name, *args, **kwargs)
    except AccessDenied:
        st.session_state["_casework_refused"] = True
    except store.StoreBusy:  # an import from the command line holds the file
        st.session_state["_casework_failed"] = t("sidebar.busy", view.lang)
    except store.StoreNotWritten as exc:  # a full or read-only disk
        st.session_state["_casework_failed"] = t("store.not_written", view.lang,
                                                 reason=system_reason(exc.reason, view.lang))
    return None


def _said(view: View, form: str, household: str, problems) -> bool:
    """Keep the problems of a household's ``form`` to show under it, or say it was saved
    (``casework.<form>.saved``); True when it was."""
    if problems is None:  # refused by the gate: said by _outcome
        return False
    st.session_state[f"_casework_errors_{form}_{household}"] = _messages(problems, view.lang)
    if not problems:
        st.session_state["_casework_done"] = t(f"casework.{form}.saved", view.lang,
                                               household=household)
    return not problems


def _messages(problems, lang: str, tool: Tool | None = None) -> list[str]:
    """Each problem as one sentence: where (the field's name) and what to do."""
    out = []
    for problem in problems:
        message, fix = problem_message(problem, lang)
        text = f"{message} {fix}".strip()
        where = _field(problem.column, lang, tool)
        out.append(text if not where else f"{where}：{text}" if lang == "zh" else
                   f"{where}: {text}")
    return out


def _field(column: str | None, lang: str, tool: Tool | None) -> str:
    """A problem's column as the form names it: a question's label, or the column's."""
    if not column:
        return ""
    if tool is not None:
        try:
            return tool.question(column).label(lang)
        except KeyError:
            pass
    for table in schema.HOUSEHOLD_TABLES.values():
        if column in table.column_names:
            return t(f"column.{table.name}.{column}", lang)
    return column
