// The field app: prepare a pack online, record visits, assessments, crises, sessions and attendance
// offline, and sync them. Every text comes from the page (the server's translations); every client
// value lives only in the encrypted vault and in this page's memory, never in an address.

const S = JSON.parse(document.getElementById("field-strings").textContent);
const script = document.getElementById("field-app");
const vault = await import(script.dataset.vault);

const view = document.getElementById("view");
const notice = document.getElementById("notice");
const nav = document.getElementById("field-nav");
const state = { pack: null, csrf: "" };

function t(key, params = {}) {
  return (S[key] || key).replace(/%\((\w+)\)s/g, (_, name) => String(params[name] ?? ""));
}

// A small element builder: h("p", {class: "x", text: "…", onclick: fn}, child, …).
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") el.textContent = value;
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "checked" || name === "selected") el[name] = Boolean(value);
    else el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) if (child) el.append(child);
  return el;
}

function say(text, kind = "info") {
  notice.replaceChildren(text ? h("p", { class: `message ${kind}`, text }) : "");
}

function show(...children) {
  view.replaceChildren(...children.flat(Infinity).filter(Boolean));
  document.getElementById("main").focus();
}

const today = () => new Date().toLocaleDateString("en-CA"); // yyyy-mm-dd, the phone's own day
const label = (choices, value) => (choices.find((c) => c[0] === value) || [value, value])[1];

// --- the network ------------------------------------------------------------------------------

function showNet() {
  document.getElementById("net").textContent = navigator.onLine ? t("online") : t("offline");
  document.body.classList.toggle("is-offline", !navigator.onLine);
}

/** Each contact with the server: is the pack still valid (else wipe), and a CSRF token. */
async function contact({ restart = true } = {}) {
  if (!navigator.onLine) return null;
  const m = await vault.meta();
  try {
    const response = await fetch("/field/status", {
      headers: { "X-Field-Pack": m ? m.token : "" },
      credentials: "same-origin",
      cache: "no-store",
    });
    const status = await response.json();
    state.csrf = status.csrf || "";
    if (m && status.pack === "wipe") {
      await vault.wipe();
      state.pack = null;
      say(t("wiped_revoked"), "error");
      if (restart) await start();
    }
    return status;
  } catch {
    return null;
  }
}

async function post(url, body) {
  if (!state.csrf) await contact();
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": state.csrf },
    body: JSON.stringify(body),
  });
  const type = response.headers.get("Content-Type") || "";
  if (response.redirected || !type.includes("json") || response.status === 403) {
    const error = new Error("signed-out");
    error.signedOut = true;
    throw error;
  }
  return { status: response.status, body: await response.json() };
}

// --- preparing and opening --------------------------------------------------------------------

async function showPrepare() {
  nav.hidden = !vault.unlocked();
  if (!navigator.onLine) {
    show(h("h1", { text: t("prepare") }), h("p", { text: t("offline") }));
    return;
  }
  let choices;
  try {
    const response = await fetch("/field/choices", { credentials: "same-origin", cache: "no-store" });
    choices = await response.json();
  } catch {
    show(h("h1", { text: t("prepare") }), h("p", { text: t("sign_in_to_sync") }));
    return;
  }
  const pin = h("input", { type: "password", name: "pin", inputmode: "numeric", autocomplete: "off", id: "pin" });
  const pin2 = h("input", { type: "password", name: "pin2", inputmode: "numeric", autocomplete: "off", id: "pin2" });
  const error = h("p", { class: "error", role: "alert" });
  const group = h(
    "select",
    { name: "group", id: "group" },
    h("option", { value: "", text: t("no_group") }),
    choices.groups.map((g) => h("option", { value: g.id, text: g.name })),
  );
  const form = h(
    "form",
    { class: "card", onsubmit: (e) => prepare(e, form, pin, pin2, group, error) },
    h("p", { text: t("prepare_help", { days: script.dataset.days }) }),
    choices.clients.length
      ? h(
          "fieldset",
          {},
          h("legend", { text: t("clients") }),
          choices.clients.map((c) =>
            h("label", { class: "check" }, h("input", { type: "checkbox", name: "client", value: c.id }), ` ${c.code} · ${c.name}`),
          ),
        )
      : null,
    choices.groups.length ? h("p", {}, h("label", { for: "group", text: t("group") }), group) : null,
    h("p", {}, h("label", { for: "pin", text: t("pin") }), pin, h("small", { class: "help", text: t("pin_help") })),
    h("p", {}, h("label", { for: "pin2", text: t("pin_again") }), pin2),
    error,
    h("button", { type: "submit", class: "button", text: t("make_pack") }),
  );
  show(h("h1", { text: t("prepare") }), form);
}

async function prepare(event, form, pin, pin2, group, error) {
  event.preventDefault();
  const clients = [...form.querySelectorAll("input[name=client]:checked")].map((i) => Number(i.value));
  if (!/^\d{6,}$/.test(pin.value)) return (error.textContent = t("pin_short"));
  if (pin.value !== pin2.value) return (error.textContent = t("pin_differ"));
  if (!clients.length && !group.value) return (error.textContent = t("required"));
  error.textContent = t("preparing");
  try {
    const answer = await post("/field/pack", { clients, group: group.value || null });
    if (answer.status !== 200) return (error.textContent = answer.body.error || t("required"));
    await vault.create(answer.body, pin.value);
    state.pack = await vault.pack();
    say("");
    await showPack();
  } catch (exc) {
    error.textContent = exc.signedOut ? t("sign_in_to_sync") : String(exc);
  }
}

function showUnlock() {
  nav.hidden = true;
  const pin = h("input", { type: "password", name: "pin", inputmode: "numeric", autocomplete: "off", id: "pin" });
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    {
      class: "card unlock",
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = "";
        const button = form.querySelector("button[type=submit]");
        button.disabled = true; // one try at a time: each costs the PIN's key derivation
        const result = await vault.unlock(pin.value);
        button.disabled = false;
        pin.value = "";
        if (result === "ok") {
          state.pack = await vault.pack();
          say("");
          await showPack();
        } else if (result === "expired") {
          state.pack = null;
          say(t("expired"), "error");
          await showSync();
        } else if (result === "wrong") {
          const m = await vault.meta();
          error.textContent = t("wrong_pin", { left: vault.MAX_FAILURES - m.failures });
        } else {
          say(t("wiped"), "error");
          await showPrepare();
        }
      },
    },
    h("p", { text: t("unlock_help") }),
    h("p", {}, h("label", { for: "pin", text: t("pin") }), pin),
    error,
    h("button", { type: "submit", class: "button", text: t("unlock") }),
  );
  show(h("h1", { text: t("title") }), form);
}

// --- the pack ---------------------------------------------------------------------------------

async function countWaiting() {
  const waiting = vault.unlocked() ? (await vault.entries()).filter((e) => e.state !== "accepted").length : 0;
  document.getElementById("waiting-count").textContent = waiting ? `(${waiting})` : "";
}

function dates(c) {
  const row = (name, value) => h("div", {}, h("dt", { text: t(name) }), h("dd", { text: value || t("none") }));
  return h(
    "dl",
    { class: "facts" },
    row("last_visit", c.last_visit_on),
    row("visit_due", c.visit_due_on),
    row("assessment_due", c.assessment_due_on),
  );
}

async function showPack() {
  const p = state.pack;
  if (!p) return showUnlock();
  nav.hidden = false;
  await countWaiting();
  const domains = p.choices.domain;
  const clientCard = (c) =>
    h(
      "article",
      { class: "card client" },
      h("h2", { text: `${c.code} · ${c.name}` }),
      dates(c),
      h("h3", { text: t("goals") }),
      c.goals.length
        ? h("ul", {}, c.goals.map((g) => h("li", { text: `${label(domains, g.domain)}: ${g.goal}` })))
        : h("p", { text: t("none") }),
      h(
        "p",
        { class: "actions" },
        p.may.visit ? h("button", { type: "button", text: t("record_visit"), onclick: () => visitForm(c) }) : null,
        p.may.assess ? h("button", { type: "button", text: t("record_assessment"), onclick: () => assessmentForm(c) }) : null,
        p.may.assess ? h("button", { type: "button", text: t("record_crisis"), onclick: () => crisisForm(c) }) : null,
      ),
    );
  const g = p.group;
  show(
    h("h1", { text: t("pack") }),
    h("p", { class: "muted", text: t("expires", { date: new Date(p.expires_at).toLocaleString(p.language) }) }),
    p.may.session && p.clients.length
      ? h("p", {}, h("button", { type: "button", class: "button", text: t("record_session"), onclick: () => sessionForm() }))
      : null,
    p.clients.map(clientCard),
    g
      ? h(
          "article",
          { class: "card group" },
          h("h2", { text: g.name }),
          h("h3", { text: t("members") }),
          g.members.length ? h("ul", {}, g.members.map((m) => h("li", { text: m.name || m.ref }))) : h("p", { text: t("none") }),
          p.may.attendance
            ? h("p", {}, h("button", { type: "button", text: t("record_attendance"), onclick: () => attendanceForm() }))
            : null,
        )
      : null,
    h(
      "p",
      { class: "actions" },
      navigator.onLine ? h("button", { type: "button", text: t("prepare"), onclick: () => showPrepare() }) : null,
      h("button", { type: "button", class: "danger", text: t("erase"), onclick: erase }),
    ),
  );
}

async function erase() {
  if (!window.confirm(t("erase_confirm"))) return;
  await vault.wipe();
  state.pack = null;
  say(t("wiped"));
  await start();
}

// --- the forms --------------------------------------------------------------------------------

let fieldCount = 0;

function field(labelText, control) {
  const id = control.id || `f${++fieldCount}`;
  control.id = id;
  return h("p", { class: "field" }, h("label", { for: id, text: labelText }), control);
}

const dateInput = (name, value) => h("input", { type: "date", name, value: value || today(), max: today(), required: true });
const select = (name, choices, value) =>
  h("select", { name }, choices.map(([v, l]) => h("option", { value: v, text: l, selected: v === value })));
const checks = (name, choices, values = []) =>
  h(
    "fieldset",
    { class: "checks" },
    choices.map(([v, l]) =>
      h("label", { class: "check" }, h("input", { type: "checkbox", name, value: v, checked: values.includes(v) }), ` ${l}`),
    ),
  );

/** A form of an entry: `build` makes its controls, `read` turns them into the entry's data and
 * checks what can be checked offline (the pages' messages); the server checks it all again. */
function entryForm({ title, kind, entry, controls, read, describe }) {
  const errors = h("div", { class: "errors", role: "alert" });
  if (entry && entry.state === "conflict") {
    errors.append(h("p", { class: "error", text: entry.message }));
    for (const messages of Object.values(entry.fields || {})) for (const m of messages) errors.append(h("p", { class: "error", text: m }));
  }
  const form = h(
    "form",
    {
      class: "card entry",
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const problems = [];
        const data = read(form, problems);
        errors.replaceChildren(...problems.map((m) => h("p", { class: "error", text: m })));
        if (problems.length) return;
        await vault.saveEntry({
          key: entry ? entry.key : vault.uuid(),
          kind,
          data,
          state: "waiting",
          made_at: entry ? entry.made_at : new Date().toISOString(),
          label: `${t(`kind_${kind}`)} · ${describe(data)}`,
        });
        say(t("saved"));
        await (entry ? showSync() : showPack());
      },
    },
    errors,
    controls,
    h(
      "p",
      { class: "actions" },
      h("button", { type: "submit", class: "button", text: t("save") }),
      h("button", { type: "button", text: t("cancel"), onclick: () => (entry ? showSync() : showPack()) }),
    ),
  );
  show(h("h1", { text: title }), form);
}

const value = (form, name) => (form.elements[name] ? form.elements[name].value.trim() : "");
const checked = (form, name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);

function checkDate(day, problems) {
  if (!day) problems.push(`${t("date")}: ${t("required")}`);
  else if (day > today()) problems.push(t("future"));
}

function clientOf(id) {
  return (state.pack && state.pack.clients.find((c) => c.id === id)) || { id, code: "", name: "" };
}

function visitForm(client, entry) {
  const d = entry ? entry.data : {};
  const p = state.pack;
  entryForm({
    title: `${t("record_visit")} · ${client.code}`,
    kind: "visit",
    entry,
    controls: [
      field(t("visit"), select("mode", p.choices.visit_mode, d.mode)),
      field(t("date"), dateInput("visited_on", d.visited_on)),
      field(t("next_visit"), h("input", { type: "date", name: "next_visit_on", value: d.next_visit_on || "" })),
      field(t("notes"), h("textarea", { name: "note", rows: 4, text: d.note || "" })),
    ],
    read: (form, problems) => {
      const data = {
        client: client.id,
        mode: value(form, "mode"),
        visited_on: value(form, "visited_on"),
        next_visit_on: value(form, "next_visit_on"),
        note: value(form, "note"),
      };
      checkDate(data.visited_on, problems);
      if (data.next_visit_on && data.next_visit_on <= data.visited_on) problems.push(t("next_after"));
      return data;
    },
    describe: (data) => `${client.code} · ${data.visited_on}`,
  });
}

function assessmentForm(client, entry) {
  const d = entry ? entry.data : { answers: {} };
  const { instrument, choices } = state.pack;
  const groups = choices.domain.map(([domain, domainLabel]) =>
    h(
      "fieldset",
      { class: "domain" },
      h("legend", { text: domainLabel }),
      instrument.items
        .filter((item) => item.domain === domain)
        .map((item) =>
          h(
            "fieldset",
            { class: "item" },
            h("legend", { text: item.text }),
            instrument.scale.map(([score, scoreLabel]) =>
              h(
                "label",
                { class: "check" },
                h("input", { type: "radio", name: `item_${item.code}`, value: score, checked: d.answers[item.code] === score }),
                ` ${scoreLabel}`,
              ),
            ),
          ),
        ),
    ),
  );
  entryForm({
    title: `${t("record_assessment")} · ${client.code}`,
    kind: "assessment",
    entry,
    controls: [
      h("p", { class: "muted", text: instrument.name }),
      field(t("date"), dateInput("assessed_on", d.assessed_on)),
      groups,
      field(t("notes"), h("textarea", { name: "note", rows: 3, text: d.note || "" })),
    ],
    read: (form, problems) => {
      const answers = {};
      let left = 0;
      for (const item of instrument.items) {
        const picked = form.querySelector(`input[name="item_${item.code}"]:checked`);
        if (picked) answers[item.code] = Number(picked.value);
        else left += 1;
      }
      const data = {
        client: client.id,
        assessed_on: value(form, "assessed_on"),
        answers,
        note: value(form, "note"),
        instrument_version: instrument.version,
      };
      checkDate(data.assessed_on, problems);
      if (left) problems.push(t("answer_every", { count: left }));
      return data;
    },
    describe: (data) => `${client.code} · ${data.assessed_on}`,
  });
}

function crisisForm(client, entry) {
  const d = entry ? entry.data : {};
  const { choices } = state.pack;
  entryForm({
    title: `${t("record_crisis")} · ${client.code}`,
    kind: "crisis",
    entry,
    controls: [
      field(t("date"), dateInput("occurred_on", d.occurred_on)),
      h("p", { class: "field" }, h("span", { class: "label", text: t("domains") }), checks("domains", choices.domain, d.domains)),
      field(t("severity"), select("severity", choices.severity, d.severity)),
      field(t("what_happened"), h("textarea", { name: "what_happened", rows: 4, text: d.what_happened || "" })),
      field(t("response"), h("textarea", { name: "response", rows: 3, text: d.response || "" })),
    ],
    read: (form, problems) => {
      const data = {
        client: client.id,
        occurred_on: value(form, "occurred_on"),
        domains: checked(form, "domains"),
        severity: value(form, "severity"),
        what_happened: value(form, "what_happened"),
        response: value(form, "response"),
      };
      checkDate(data.occurred_on, problems);
      if (!data.domains.length) problems.push(t("choose_domains"));
      if (!data.what_happened) problems.push(t("say_what"));
      return data;
    },
    describe: (data) => `${client.code} · ${data.occurred_on}`,
  });
}

function sessionForm(entry) {
  const d = entry ? entry.data : { clients: [] };
  const { choices, clients } = state.pack;
  const people = clients.map((c) => [String(c.id), `${c.code} · ${c.name}`]);
  entryForm({
    title: t("record_session"),
    kind: "session",
    entry,
    controls: [
      field(t("date"), dateInput("held_on", d.held_on)),
      h("p", { class: "field" }, h("span", { class: "label", text: t("who_attended") }), checks("attendee", people, (d.clients || []).map(String))),
      field(t("session"), select("format", choices.session_format, d.format)),
      field(t("approach"), select("modality", choices.modality, d.modality)),
      field(t("minutes"), h("input", { type: "number", name: "duration_minutes", min: 1, max: 600, value: d.duration_minutes || 60 })),
    ],
    read: (form, problems) => {
      const data = {
        held_on: value(form, "held_on"),
        clients: checked(form, "attendee").map(Number),
        format: value(form, "format"),
        modality: value(form, "modality"),
        duration_minutes: Number(value(form, "duration_minutes")),
      };
      checkDate(data.held_on, problems);
      if (!data.clients.length) problems.push(t("choose_attendees"));
      return data;
    },
    describe: (data) => `${data.clients.map((id) => clientOf(id).code).join(", ")} · ${data.held_on}`,
  });
}

function attendanceForm(entry) {
  const d = entry ? entry.data : { rows: [] };
  const { choices, group } = state.pack;
  const added = (d.rows || []).filter((r) => !r.ref);
  const addedList = h("ul", { class: "added" });
  const drawAdded = () =>
    addedList.replaceChildren(...added.map((r) => h("li", { text: `${r.name || "—"} · ${label(choices.participant_group, r.group)}` })));
  drawAdded();
  const activities = [["", t("new_activity")], ...group.activities.map((a) => [String(a.id), `${label(choices.activity_kind, a.kind)} · ${a.held_on} · ${a.place}`])];
  const fresh = d.new_activity || {};
  const newName = h("input", { type: "text", name: "new_name", autocomplete: "off" });
  entryForm({
    title: `${t("record_attendance")} · ${group.name}`,
    kind: "attendance",
    entry,
    controls: [
      field(t("activity"), select("activity", activities, d.activity ? String(d.activity) : "")),
      h(
        "fieldset",
        { class: "new-activity" },
        h("legend", { text: t("new_activity") }),
        field(t("kind"), select("kind", choices.activity_kind, fresh.kind)),
        field(t("date"), dateInput("held_on", fresh.held_on)),
        field(t("place"), h("input", { type: "text", name: "place", value: fresh.place || group.village || "" })),
      ),
      h(
        "p",
        { class: "field" },
        h("span", { class: "label", text: t("members") }),
        checks("member", group.members.map((m) => [m.ref, m.name || m.ref]), (d.rows || []).filter((r) => r.ref).map((r) => r.ref)),
      ),
      h(
        "fieldset",
        { class: "new-participant" },
        h("legend", { text: t("new_participant") }),
        field(t("name_optional"), newName),
        field(t("sex"), select("new_sex", choices.sex)),
        field(t("age"), select("new_age", choices.age_band)),
        field(t("participant_group"), select("new_group", choices.participant_group)),
        h("button", {
          type: "button",
          text: t("new_participant"),
          onclick: (event) => {
            const form = event.target.form;
            added.push({ name: newName.value.trim(), sex: value(form, "new_sex"), age_band: value(form, "new_age"), group: value(form, "new_group") });
            newName.value = "";
            drawAdded();
          },
        }),
        addedList,
      ),
    ],
    read: (form, problems) => {
      const refs = checked(form, "member");
      const members = group.members.filter((m) => refs.includes(m.ref)).map((m) => ({ ref: m.ref, sex: m.sex, age_band: m.age_band, group: m.group }));
      const data = { rows: [...members, ...added] };
      const activity = value(form, "activity");
      if (activity) data.activity = Number(activity);
      else {
        data.new_activity = { kind: value(form, "kind"), held_on: value(form, "held_on"), place: value(form, "place") };
        checkDate(data.new_activity.held_on, problems);
      }
      if (!data.rows.length) problems.push(t("choose_attendees"));
      return data;
    },
    describe: (data) => `${group.name} · ${data.rows.length}`,
  });
}

// --- the sync list ----------------------------------------------------------------------------

async function showSync() {
  nav.hidden = false;
  const all = await vault.entries();
  await countWaiting();
  const section = (title, items, render) =>
    h("section", { class: "card" }, h("h2", { text: `${title} (${items.length})` }), items.length ? h("ul", { class: "entries" }, items.map(render)) : h("p", { class: "muted", text: t("nothing") }));
  const waiting = all.filter((e) => e.state === "waiting");
  const conflicts = all.filter((e) => e.state === "conflict");
  const accepted = all.filter((e) => e.state === "accepted");
  show(
    h("h1", { text: t("sync_list") }),
    h("p", {}, h("button", { type: "button", class: "button", id: "sync-now", text: t("sync"), disabled: !navigator.onLine || !waiting.length, onclick: sync })),
    section(t("waiting"), waiting, (e) => h("li", { class: "waiting", text: e.label })),
    section(t("conflicts"), conflicts, (e) =>
      h(
        "li",
        { class: "conflict" },
        h("strong", { text: e.label }),
        h("p", { class: "error", text: e.message }),
        Object.values(e.fields || {}).flat().filter((m) => m !== e.message).map((m) => h("p", { class: "error", text: m })),
        h(
          "p",
          { class: "actions" },
          state.pack ? h("button", { type: "button", text: t("edit"), onclick: () => correct(e) }) : null,
          h("button", { type: "button", class: "danger", text: t("discard"), onclick: () => discard(e) }),
        ),
      ),
    ),
    section(t("accepted"), accepted, (e) => h("li", { class: "accepted", text: e.label })),
    state.pack ? null : h("p", {}, h("button", { type: "button", id: "prepare-again", text: t("prepare"), onclick: () => showPrepare() })),
  );
  if (conflicts.length) view.querySelector(".conflict").before(h("p", { class: "muted", text: t("conflict_help") }));
}

function correct(entry) {
  const forms = {
    visit: () => visitForm(clientOf(entry.data.client), entry),
    assessment: () => assessmentForm(clientOf(entry.data.client), entry),
    crisis: () => crisisForm(clientOf(entry.data.client), entry),
    session: () => sessionForm(entry),
    attendance: () => (state.pack.group ? attendanceForm(entry) : null),
  };
  forms[entry.kind]();
}

async function discard(entry) {
  if (!window.confirm(t("discard_confirm"))) return;
  await vault.deleteEntry(entry.key);
  await showSync();
}

async function sync() {
  const waiting = (await vault.entries()).filter((e) => e.state === "waiting");
  if (!waiting.length) return;
  say(t("syncing"));
  await contact();
  if (!vault.unlocked()) return;
  let answer;
  try {
    answer = await post("/field/sync", { entries: waiting.map(({ key, kind, data }) => ({ key, kind, data })) });
  } catch (exc) {
    say(exc.signedOut ? t("sign_in_to_sync") : t("offline"), "error");
    return;
  }
  const byKey = new Map(waiting.map((e) => [e.key, e]));
  for (const result of answer.body.results || []) {
    const entry = byKey.get(result.key);
    if (!entry) continue;
    if (result.state === "accepted") {
      // What the office now holds is not kept here: only the line of the list.
      await vault.saveEntry({ key: entry.key, kind: entry.kind, label: entry.label, made_at: entry.made_at, state: "accepted", record_id: result.record_id, data: null });
    } else {
      await vault.saveEntry({ ...entry, state: "conflict", message: result.message, fields: result.fields });
    }
  }
  say("");
  await showSync();
}

// --- start ------------------------------------------------------------------------------------

nav.addEventListener("click", async (event) => {
  const go = event.target.closest("button")?.dataset.go;
  if (go === "pack") await (state.pack ? showPack() : vault.unlocked() ? showSync() : showUnlock());
  if (go === "sync") await (vault.unlocked() ? showSync() : showUnlock());
  if (go === "lock") {
    vault.lock();
    state.pack = null;
    say("");
    showUnlock();
  }
});

// Locked again after a while without use: the key leaves memory; the PIN opens it again.
const IDLE_LOCK_MS = 10 * 60 * 1000;
let lastUse = Date.now();
for (const name of ["pointerdown", "keydown"]) window.addEventListener(name, () => (lastUse = Date.now()), { passive: true });
setInterval(() => {
  if (vault.unlocked() && Date.now() - lastUse > IDLE_LOCK_MS) {
    vault.lock();
    state.pack = null;
    say(t("locked_idle"));
    showUnlock();
  }
}, 30 * 1000);

async function netChanged() {
  showNet();
  if (navigator.onLine) await contact();
  // The sync button follows the network.
  if (view.querySelector("#sync-now") && vault.unlocked()) await showSync();
}
window.addEventListener("online", netChanged);
window.addEventListener("offline", netChanged);

async function start() {
  showNet();
  if (!window.indexedDB || !window.crypto?.subtle) {
    show(h("p", { class: "error", text: t("no_storage") }));
    return;
  }
  if (await vault.meta()) showUnlock();
  else await showPrepare();
}

if ("serviceWorker" in navigator) {
  navigator.serviceWorker
    .register(script.dataset.worker, { scope: "/field/" })
    .then((registration) => navigator.onLine && registration.active?.postMessage("refresh-shell"))
    .catch(() => undefined);
}
await contact({ restart: false });
await start();
