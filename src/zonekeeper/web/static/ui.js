// Zonekeeper's web UI: plain JavaScript calling the Designate v2 API through /ui/api/v2
// (the server adds the credential kept in an HttpOnly cookie). No framework, no build step.
"use strict";

const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const POLL_MS = 1000;

// Polls fast right after a change (most are served within a second), then backs off to 3 s.
class Poller {
  constructor(refresh) { this.refresh = refresh; this.timer = null; this.delay = 250; }
  again(pending) {
    clearTimeout(this.timer);
    if (!pending) { this.delay = 250; return; }
    this.timer = setTimeout(() => this.refresh(), this.delay);
    this.delay = Math.min(this.delay * 2, 3000);
  }
  restart() { this.delay = 250; return this.refresh(); }
}

// ---- API calls -------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
  // The API's field errors: [{path: [...], message}] (invalid_object), else one without field.
  fieldErrors() {
    const items = this.body.errors && this.body.errors.errors;
    if (items && items.length) return items;
    const field = fieldOf(this.body.type);
    return [{ path: field ? [field] : [], message: this.message }];
  }
}

// Errors whose wire type names the field they are about.
function fieldOf(type) {
  const fields = {
    invalid_ttl: "ttl", duplicate_recordset: "name", invalid_recordset_location: "name",
    invalid_recordset_name: "name", duplicate_zone: "name", invalid_zone_name: "name",
    invalid_email: "email", invalid_name: "name",
  };
  return fields[type] || "";
}

async function api(method, path, body, contentType) {
  const headers = { "X-CSRF-Token": CSRF, Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = contentType || "application/json";
    init.body = contentType ? body : JSON.stringify(body);
  }
  const response = await fetch(`/ui/api/v2/${path}`, init);
  if (response.status === 401) {
    window.location.assign("/ui/login");
    throw new ApiError(401, { message: "signed out" });
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = text; }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

async function listAll(path, key) {
  let items = [];
  let next = `${path}${path.includes("?") ? "&" : "?"}limit=1000`;
  while (next) {
    const page = await api("GET", next);
    items = items.concat(page[key]);
    const link = page.links && page.links.next;
    next = link ? link.slice(link.indexOf("/v2/") + 4) : null;
  }
  return items;
}

// ---- small DOM helpers -----------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function announce(text) {
  const announcer = document.getElementById("announcer");
  announcer.textContent = text;
}

function say(id, text, isError) {
  const node = document.getElementById(id);
  node.textContent = text;
  node.classList.toggle("error", Boolean(isError));
}

function statusBadge(status) {
  return el("span", { class: `status status-${String(status).toLowerCase()}`, text: status });
}

// Show each error next to its field: an element [data-field="name"] (or "records.0") in form.
function showErrors(form, errors) {
  clearErrors(form);
  let first = null;
  for (const error of errors) {
    const path = (error.path || []).join(".");
    const target = form.querySelector(`[data-field="${path}"]`)
      || form.querySelector(`[data-field="${(error.path || [""])[0]}"]`)
      || form.querySelector('[data-field=""]')
      || form.querySelector("[data-field]");
    target.textContent = target.textContent ? `${target.textContent} ${error.message}` : error.message;
    const field = target.dataset.input && document.getElementById(target.dataset.input);
    if (field) field.setAttribute("aria-invalid", "true");
    first = first || field;
  }
  if (first && first.focus) first.focus();
}

function clearErrors(form) {
  form.querySelectorAll("[data-field]").forEach((node) => { node.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
}

function copyButton(text) {
  return el("button", {
    type: "button", class: "copy", "aria-label": `Copy: ${text}`, text: "Copy",
    onclick: async (event) => {
      try { await navigator.clipboard.writeText(text); event.target.textContent = "Copied"; }
      catch (_) { event.target.textContent = "Select and copy"; }
    },
  });
}

// ---- record types: one form per type, explaining its fields --------------------------

const QUOTE = (text) => `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

// TXT: one long text becomes strings of at most 253 bytes (255 with the quotes), in order.
function txtStrings(text) {
  const bytes = new TextEncoder().encode(text);
  const parts = [];
  for (let start = 0; start < bytes.length || parts.length === 0; ) {
    let end = Math.min(start + 253, bytes.length);
    while (end < bytes.length && (bytes[end] & 0xc0) === 0x80) end -= 1; // keep UTF-8 whole
    parts.push(new TextDecoder().decode(bytes.slice(start, end)));
    start = end;
    if (start >= bytes.length) break;
  }
  return parts.map(QUOTE).join(" ");
}

function txtText(data) {
  const strings = data.match(/"((?:[^"\\]|\\.)*)"/g) || [data];
  return strings.map((s) => s.replace(/^"|"$/g, "").replace(/\\(.)/g, "$1")).join("");
}

const HOST_HINT = "A full name ending with a dot (mail.example.org.).";
const TYPES = {
  A: { help: "An IPv4 address the name points to.",
    fields: [{ key: "address", label: "IPv4 address", hint: "Like 192.0.2.10.", placeholder: "192.0.2.10" }] },
  AAAA: { help: "An IPv6 address the name points to.",
    fields: [{ key: "address", label: "IPv6 address", hint: "Like 2001:db8::10.", placeholder: "2001:db8::10" }] },
  CNAME: { help: "This name is an alias of another name. Only one value, and never at the zone's own name.",
    fields: [{ key: "target", label: "Alias of", hint: HOST_HINT, placeholder: "www.example.org." }] },
  MX: { help: "A mail server for this name. Lower priority is tried first.",
    fields: [
      { key: "priority", label: "Priority", hint: "0–65535; lower is preferred (10, 20…).", type: "number", placeholder: "10" },
      { key: "host", label: "Mail server", hint: HOST_HINT, placeholder: "mail.example.org." }],
    compose: (v) => `${v.priority} ${v.host}`,
    parse: (d) => { const [priority, host] = d.split(" "); return { priority, host }; } },
  SRV: { help: "Where a service runs. The name must look like _service._proto.name (e.g. _sip._tcp.example.org.).",
    fields: [
      { key: "priority", label: "Priority", hint: "Lower is tried first.", type: "number", placeholder: "10" },
      { key: "weight", label: "Weight", hint: "Share of traffic between equal priorities.", type: "number", placeholder: "5" },
      { key: "port", label: "Port", hint: "TCP/UDP port of the service.", type: "number", placeholder: "5060" },
      { key: "target", label: "Target host", hint: HOST_HINT, placeholder: "sip.example.org." }],
    compose: (v) => `${v.priority} ${v.weight} ${v.port} ${v.target}`,
    parse: (d) => { const [priority, weight, port, target] = d.split(" "); return { priority, weight, port, target }; } },
  TXT: { help: "Free text (SPF, site verification…). Type it without quotes: it is quoted for you and cut into strings of at most 255 bytes, as DNS requires.",
    fields: [{ key: "text", label: "Text", hint: "Quotes and backslashes are escaped for you.", multiline: true, placeholder: "v=spf1 mx -all" }],
    compose: (v) => txtStrings(v.text), parse: (d) => ({ text: txtText(d) }) },
  SPF: { help: "Old SPF record type; prefer TXT. Same quoting as TXT.",
    fields: [{ key: "text", label: "Text", hint: "Quoted for you.", multiline: true }],
    compose: (v) => txtStrings(v.text), parse: (d) => ({ text: txtText(d) }) },
  CAA: { help: "Which certificate authorities may issue certificates for this name.",
    fields: [
      { key: "flags", label: "Flags", hint: "0, or 128 if a CA must understand the tag.", type: "number", placeholder: "0" },
      { key: "tag", label: "Tag", hint: "issue (certificates), issuewild (wildcard certificates) or iodef (where to report).", options: ["issue", "issuewild", "iodef"] },
      { key: "value", label: "Value", hint: "A CA's domain (letsencrypt.org), or for iodef a mailto: or https: URL.", placeholder: "letsencrypt.org" }],
    compose: (v) => `${v.flags} ${v.tag} ${QUOTE(v.value)}`,
    parse: (d) => { const m = d.match(/^(\d+) (\S+) (.*)$/) || []; return { flags: m[1], tag: m[2], value: txtText(m[3] || "") }; } },
  NS: { help: "Delegates this name (a subdomain) to other nameservers.",
    fields: [{ key: "host", label: "Nameserver", hint: HOST_HINT, placeholder: "ns1.example.net." }] },
  PTR: { help: "The name of an address (reverse DNS), in an in-addr.arpa. or ip6.arpa. zone.",
    fields: [{ key: "host", label: "Points to", hint: HOST_HINT, placeholder: "host.example.org." }] },
};
const RAW = { help: "Record data in zone-file (presentation) format.",
  fields: [{ key: "data", label: "Data", hint: "As in a zone file, after the type.", multiline: true }] };

function typeOf(name) {
  const spec = TYPES[name] || RAW;
  const single = spec.fields.length === 1 ? spec.fields[0].key : null;
  return {
    ...spec,
    compose: spec.compose || ((v) => v[single].trim()),
    parse: spec.parse || ((d) => ({ [single]: d })),
  };
}

// ---- zones page ------------------------------------------------------------------------

async function zonesPage() {
  const body = document.querySelector("#zones tbody");
  const poller = new Poller(refresh);
  async function refresh() {
    try {
      const zones = await listAll("zones", "zones");
      body.replaceChildren(...zones.map(zoneRow));
      if (!zones.length) body.append(el("tr", {}, el("td", { colspan: 5, text: "No zones yet: create one below." })));
      poller.again(zones.some((z) => z.status === "PENDING"));
    } catch (error) { say("zones-message", error.message, true); }
  }
  function zoneRow(zone) {
    return el("tr", { "data-zone": zone.name },
      el("th", { scope: "row" }, el("a", { href: `/ui/zones/${zone.id}`, text: zone.name })),
      el("td", {}, statusBadge(zone.status)),
      el("td", { text: zone.serial }), el("td", { text: zone.email }), el("td", { text: zone.ttl }));
  }
  const form = document.getElementById("zone-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const ttl = form.elements.ttl.value;
    const data = { name: form.elements.name.value.trim(), email: form.elements.email.value.trim() };
    if (ttl) data.ttl = Number(ttl);
    if (data.name && !data.name.endsWith(".")) data.name += ".";
    try {
      const zone = await api("POST", "zones", data);
      say("zones-message", `Zone ${zone.name} created: PENDING until its nameservers serve it.`);
      form.reset();
      await poller.restart();
    } catch (error) { if (error instanceof ApiError) showErrors(form, error.fieldErrors()); }
  });
  const importForm = document.getElementById("import-form");
  importForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(importForm);
    const file = document.getElementById("import-file").files[0];
    const text = file ? await file.text() : document.getElementById("import-text").value;
    try {
      let task = await api("POST", "zones/tasks/imports", text, "text/dns");
      say("zones-message", "Importing…");
      while (task.status === "PENDING") {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS / 2));
        task = await api("GET", `zones/tasks/imports/${task.id}`);
      }
      if (task.status === "ERROR") showErrors(importForm, [{ path: [], message: task.message }]);
      else { say("zones-message", "Zone imported."); importForm.reset(); await poller.restart(); }
    } catch (error) { if (error instanceof ApiError) showErrors(importForm, error.fieldErrors()); }
  });
  await refresh();
}

// ---- zone page ---------------------------------------------------------------------------

async function zonePage() {
  const zoneId = document.body.dataset.zoneId;
  const form = document.getElementById("record-form");
  const typeSelect = document.getElementById("record-type");
  const values = document.getElementById("values");
  let zone = null;
  let recordsets = [];
  let nameservers = [];
  const poller = new Poller(refresh);

  async function refresh() {
    try {
      const [z, sync, sets] = await Promise.all([
        api("GET", `zones/${zoneId}`), api("GET", `zones/${zoneId}/sync`),
        listAll(`zones/${zoneId}/recordsets`, "recordsets")]);
      const was = zone && zone.status;
      zone = z; recordsets = sets; nameservers = sync.nameservers;
      showZone(sync);
      showRecords();
      showDig();
      if (was && was !== zone.status) announce(`Zone is now ${zone.status}`);
      poller.again(zone.status === "PENDING" || sets.some((r) => r.status === "PENDING"));
    } catch (error) { say("zone-message", error.message, true); }
  }

  function showZone(sync) {
    document.title = `${zone.name} · Zonekeeper`;
    document.getElementById("zone-title").textContent = zone.name;
    document.querySelectorAll(".zone-name-text").forEach((n) => { n.textContent = zone.name; });
    document.getElementById("zone-status").replaceWith(Object.assign(statusBadge(zone.status), { id: "zone-status" }));
    document.getElementById("zone-serial").textContent = zone.serial;
    document.getElementById("zone-email").textContent = zone.email;
    document.getElementById("zone-ttl").textContent = zone.ttl;
    const rows = sync.nameservers.map((ns) => el("tr", {},
      el("th", { scope: "row", text: `${ns.host}:${ns.port}` }),
      el("td", { text: ns.served_serial === null ? "nothing yet" : ns.served_serial }),
      el("td", {}, statusBadge(ns.served_serial !== null && ns.served_serial >= sync.serial ? "SERVED" : ns.status)),
      el("td", { text: ns.reason || ns.last_error || (ns.served_serial >= sync.serial ? "serves the latest serial" : "") }),
      el("td", { text: ns.checked_at || "—" })));
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 5, text: sync.last_error || "Not checked yet." })));
    document.querySelector("#sync tbody").replaceChildren(...rows);
  }

  function showRecords() {
    const filter = document.getElementById("filter").value.trim().toLowerCase();
    const rows = [];
    for (const rs of recordsets) {
      const text = `${rs.name} ${rs.type} ${rs.records.join(" ")}`.toLowerCase();
      if (filter && !filter.split(/\s+/).every((word) => text.includes(word))) continue;
      const editable = !["SOA"].includes(rs.type) && !(rs.type === "NS" && rs.name === zone.name);
      rows.push(el("tr", { "data-name": rs.name, "data-type": rs.type },
        el("th", { scope: "row", text: rs.name }), el("td", { text: rs.type }),
        el("td", { text: rs.ttl === null ? `${zone.ttl} (zone)` : rs.ttl }),
        el("td", { class: "data" }, ...rs.records.map((r) => el("div", { text: r }))),
        el("td", {}, statusBadge(rs.status)),
        el("td", { class: "row-actions" }, ...(editable ? [
          el("button", { type: "button", text: "Edit", "aria-label": `Edit ${rs.type} ${rs.name}`, onclick: () => edit(rs) }),
          el("button", { type: "button", class: "danger", text: "Delete", "aria-label": `Delete ${rs.type} ${rs.name}`, onclick: () => remove(rs) }),
        ] : []))));
    }
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 6, text: "No record matches." })));
    document.querySelector("#records tbody").replaceChildren(...rows);
  }

  function showDig() {
    const list = document.getElementById("dig");
    const commands = [];
    for (const ns of nameservers) {
      const at = `dig @${ns.host} -p ${ns.port}`;
      commands.push(`${at} ${zone.name} SOA +short`);
      for (const rs of recordsets.filter((r) => r.type !== "SOA").slice(0, 5)) commands.push(`${at} ${rs.name} ${rs.type} +short`);
      commands.push(`${at} ${zone.name} AXFR`);
    }
    list.replaceChildren(...commands.map((c) => el("li", {}, el("code", { text: c }), copyButton(c))));
  }

  function valueRow(index, fields) {
    const spec = typeOf(typeSelect.value);
    const row = el("div", { class: "value-row", "data-index": index });
    for (const field of spec.fields) {
      const id = `value-${index}-${field.key}`;
      const hintId = `${id}-hint`;
      let input;
      if (field.options) input = el("select", { id }, ...field.options.map((o) => el("option", { value: o, text: o })));
      else if (field.multiline) input = el("textarea", { id, rows: 2, placeholder: field.placeholder });
      else input = el("input", { id, type: field.type === "number" ? "number" : "text", inputmode: field.type === "number" ? "numeric" : null, placeholder: field.placeholder });
      input.dataset.key = field.key;
      input.setAttribute("aria-describedby", `${hintId} value-${index}-error`);
      if (fields && fields[field.key] !== undefined) input.value = fields[field.key];
      row.append(el("label", { for: id, text: `${field.label}${index ? ` (value ${index + 1})` : ""}` }), input,
        el("p", { class: "hint", id: hintId, text: field.hint }));
    }
    row.append(el("p", { class: "field-error", id: `value-${index}-error`, "data-field": `records.${index}`, "data-input": `value-${index}-${spec.fields[0].key}` }));
    if (index) row.append(el("button", { type: "button", text: "Remove this value", onclick: () => { row.remove(); } }));
    return row;
  }

  function resetValues(list) {
    const rows = (list && list.length ? list : [null]).map((fields, i) => valueRow(i, fields));
    values.replaceChildren(...rows);
    document.getElementById("record-type-hint").textContent = typeOf(typeSelect.value).help;
  }

  function recordTexts() {
    const spec = typeOf(typeSelect.value);
    return [...values.querySelectorAll(".value-row")].map((row) => {
      const v = {};
      row.querySelectorAll("[data-key]").forEach((input) => { v[input.dataset.key] = input.value.trim(); });
      return spec.compose(v);
    });
  }

  function fullName(text) {
    const name = text.trim();
    if (!name || name === "@") return zone.name;
    return name.endsWith(".") ? name : `${name}.${zone.name}`;
  }

  function edit(rs) {
    document.getElementById("record-id").value = rs.id;
    typeSelect.value = rs.type;
    typeSelect.disabled = true;
    const name = document.getElementById("record-name");
    name.value = rs.name; name.readOnly = true;
    document.getElementById("record-ttl").value = rs.ttl === null ? "" : rs.ttl;
    resetValues(rs.records.map((d) => typeOf(rs.type).parse(d)));
    document.getElementById("record-form-title").textContent = `Edit ${rs.type} ${rs.name}`;
    document.getElementById("record-submit").textContent = "Save changes";
    document.getElementById("record-cancel").hidden = false;
    clearErrors(form);
    values.querySelector("input, textarea, select").focus();
  }

  function stopEditing() {
    form.reset();
    document.getElementById("record-id").value = "";
    typeSelect.disabled = false;
    document.getElementById("record-name").readOnly = false;
    document.getElementById("record-form-title").textContent = "Add a record";
    document.getElementById("record-submit").textContent = "Add record";
    document.getElementById("record-cancel").hidden = true;
    clearErrors(form);
    resetValues();
  }

  async function remove(rs) {
    if (!window.confirm(`Delete ${rs.type} ${rs.name}?`)) return;
    try {
      await api("DELETE", `zones/${zoneId}/recordsets/${rs.id}`);
      say("zone-message", `Deleting ${rs.type} ${rs.name}: PENDING until the nameservers drop it.`);
      await poller.restart();
    } catch (error) { say("zone-message", error.message, true); }
  }

  // The same checks as the API, run by the server before anything is sent.
  async function check(data) {
    const response = await fetch("/ui/check/recordset", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF },
      body: JSON.stringify({ zone: zone.name, ...data }),
    });
    const answer = await response.json();
    return answer.errors || [];
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const id = document.getElementById("record-id").value;
    const ttl = document.getElementById("record-ttl").value;
    const data = { records: recordTexts(), ttl: ttl ? Number(ttl) : null };
    const name = fullName(document.getElementById("record-name").value);
    const errors = await check({ name, type: typeSelect.value, records: data.records });
    if (errors.length) { showErrors(form, errors); return; }
    try {
      if (id) await api("PUT", `zones/${zoneId}/recordsets/${id}`, data);
      else await api("POST", `zones/${zoneId}/recordsets`, { name, type: typeSelect.value, ...data });
      say("zone-message", `${typeSelect.value} ${name} saved: PENDING until the nameservers serve it.`);
      stopEditing();
      await poller.restart();
    } catch (error) { if (error instanceof ApiError) showErrors(form, error.fieldErrors()); }
  });

  typeSelect.addEventListener("change", () => { clearErrors(form); resetValues(); });
  document.getElementById("add-value").addEventListener("click", () => {
    const index = values.querySelectorAll(".value-row").length;
    const row = valueRow(index);
    values.append(row);
    row.querySelector("input, textarea, select").focus();
  });
  document.getElementById("record-cancel").addEventListener("click", stopEditing);
  document.getElementById("filter").addEventListener("input", showRecords);
  document.getElementById("export").addEventListener("click", exportZone);
  document.getElementById("delete-zone").addEventListener("click", async () => {
    if (!window.confirm(`Delete the zone ${zone.name} and all its records?`)) return;
    try { await api("DELETE", `zones/${zoneId}`); window.location.assign("/ui/"); }
    catch (error) { say("zone-message", error.message, true); }
  });

  async function exportZone() {
    try {
      let task = await api("POST", `zones/${zoneId}/tasks/export`, {});
      while (task.status === "PENDING") {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS / 2));
        task = await api("GET", `zones/tasks/exports/${task.id}`);
      }
      if (task.status !== "COMPLETE") throw new Error(task.message || "export failed");
      const response = await fetch(`/ui/api/v2/zones/tasks/exports/${task.id}/export`, { headers: { Accept: "text/dns" } });
      const text = await response.text();
      const pre = document.getElementById("export-text");
      pre.textContent = text; pre.hidden = false;
      const link = el("a", { href: URL.createObjectURL(new Blob([text], { type: "text/dns" })), download: `${zone.name}zone`, text: "Download the zone file" });
      document.getElementById("export").after(link);
    } catch (error) { say("zone-message", error.message, true); }
  }

  resetValues();
  await refresh();
}

// ---- floating IPs --------------------------------------------------------------------

async function floatingIpsPage() {
  const body = document.querySelector("#fips tbody");
  async function refresh() {
    try {
      const fips = (await api("GET", "reverse/floatingips")).floatingips;
      body.replaceChildren(...fips.map(row));
      if (!fips.length) body.append(el("tr", {}, el("td", { colspan: 6, text: "Your project has no floating IPs." })));
      if (fips.some((f) => f.status === "PENDING")) setTimeout(refresh, POLL_MS);
    } catch (error) { say("fip-message", error.message, true); }
  }
  function row(fip) {
    const id = `ptr-${fip.id.replace(/[^a-zA-Z0-9]/g, "-")}`;
    const input = el("input", { id, value: fip.ptrdname || "", placeholder: "host.example.org." });
    const error = el("p", { class: "field-error", "data-field": "ptrdname" });
    const form = el("form", { class: "inline", onsubmit: async (event) => {
      event.preventDefault();
      clearErrors(form);
      try {
        const ptrdname = input.value.trim() || null;
        await api("PATCH", `reverse/floatingips/${fip.id}`, { ptrdname });
        say("fip-message", ptrdname ? `PTR of ${fip.address} set to ${ptrdname}.` : `PTR of ${fip.address} removed.`);
        await refresh();
      } catch (e) { if (e instanceof ApiError) showErrors(form, e.fieldErrors()); }
    } }, el("label", { for: id, class: "visually-hidden", text: `PTR name of ${fip.address}` }), input,
      el("button", { type: "submit", text: "Save" }), error);
    return el("tr", {}, el("th", { scope: "row", text: fip.address }), el("td", { text: fip.region || "" }),
      el("td", {}, form), el("td", { text: fip.ttl === null ? "" : fip.ttl }),
      el("td", {}, statusBadge(fip.status || "—")), el("td", {}));
  }
  await refresh();
}

const PAGES = { zones: zonesPage, zone: zonePage, floatingips: floatingIpsPage };
const start = PAGES[document.body.dataset.page];
if (start) start();
