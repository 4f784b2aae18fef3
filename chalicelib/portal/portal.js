/* Jobcover portal: a dispatcher's and an underwriter's view over the public API.
   The key lives in sessionStorage only (never in a URL, a cookie or a log); every call sends it
   as a Bearer token to this origin. No framework, no CDN: DOM built with textContent only. */
"use strict";
(function () {
  var KEY = "jobcover.key", ROLE = "jobcover.role";
  var main = document.getElementById("main");
  var nav = document.getElementById("nav");
  var live = document.getElementById("live");

  // -- helpers ----------------------------------------------------------------------------------
  function h(tag, attrs) {
    var el = document.createElement(tag);
    var a = attrs || {};
    Object.keys(a).forEach(function (k) {
      var v = a[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") el.textContent = v;
      else if (k.slice(0, 2) === "on") el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : v);
    });
    for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
    return el;
  }
  function add(el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { add(el, c); }); return; }
    el.appendChild(typeof child === "string" || typeof child === "number"
      ? document.createTextNode(String(child)) : child);
  }
  function money(cents) {
    if (cents === null || cents === undefined) return "—";
    return (cents / 100).toLocaleString("en-US", { style: "currency", currency: "USD" });
  }
  function when(text) {
    if (!text) return "—";
    var d = new Date(text);
    return isNaN(d) ? text : d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }
  function tag(status) { return h("span", { "class": "tag s-" + status, text: status }); }
  function say(text) { live.textContent = ""; setTimeout(function () { live.textContent = text; }, 30); }
  function today() { return new Date().toISOString().slice(0, 10); }
  function daysAgo(n) { return new Date(Date.now() - n * 864e5).toISOString().slice(0, 10); }

  function table(caption, headers, rows, numeric) {
    var num = numeric || [];
    return h("table", {},
      h("caption", { text: caption }),
      h("thead", {}, h("tr", {}, headers.map(function (t, i) {
        return h("th", { scope: "col", "class": num.indexOf(i) >= 0 ? "num" : null, text: t });
      }))),
      h("tbody", {}, rows.map(function (cells) {
        return h("tr", {}, cells.map(function (c, i) {
          return h("td", { "class": num.indexOf(i) >= 0 ? "num" : null }, c);
        }));
      })));
  }
  function facts(pairs) {
    return h("dl", { "class": "facts" }, pairs.map(function (p) {
      return [h("dt", { text: p[0] }), h("dd", {}, p[1] === null || p[1] === undefined ? "—" : p[1])];
    }));
  }
  function empty(text) { return h("p", { "class": "empty", text: text }); }
  function field(id, label, input) {
    input.id = id;
    return h("div", {}, h("label", { "for": id, text: label }), input);
  }
  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      if (params[k] !== "" && params[k] !== null && params[k] !== undefined)
        parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(params[k]));
    });
    return parts.length ? "?" + parts.join("&") : "";
  }
  function download(blob, name) {
    var url = URL.createObjectURL(blob);
    var a = h("a", { href: url, download: name, hidden: true });
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(url); a.remove(); }, 1000);
  }

  // -- the API ----------------------------------------------------------------------------------
  function ApiError(status, body) {
    var e = (body && body.error) || {};
    this.status = status;
    this.code = e.code || "http_" + status;
    this.message = e.message || "The request failed (HTTP " + status + ").";
    this.requestId = e.request_id || (body && body.request_id) || null;
  }
  function call(method, path, body, accept) {
    var headers = { Authorization: "Bearer " + sessionStorage.getItem(KEY) };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (accept) headers.Accept = accept;
    return fetch(path, {
      method: method, headers: headers, cache: "no-store", credentials: "omit",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      if (accept && r.ok) return r.blob();
      return r.text().then(function (t) {
        var data = null;
        try { data = t ? JSON.parse(t) : null; } catch (ignored) { data = null; }
        if (!r.ok) throw new ApiError(r.status, data);
        return data;
      });
    });
  }
  var get = function (path) { return call("GET", path); };
  var post = function (path, body) { return call("POST", path, body); };

  // A contractor shown by name: each id is read once per sign-in (GET /v1/contractors/{id}),
  // concurrently with the page; the id shows until the name arrives, and stays when the key may
  // not read the contractor (an underwriter's key reads no platform's contractors).
  var contractorNames = {};
  function contractorName(id) {
    if (!id) return "—";
    var cell = h("span", { title: id, text: id });
    if (!contractorNames[id]) {
      contractorNames[id] = get("/v1/contractors/" + encodeURIComponent(id))
        .then(function (c) { return c && c.legal_name; }, function () { return null; });
    }
    contractorNames[id].then(function (name) { if (name) cell.textContent = name; });
    return cell;
  }

  // -- page frame -------------------------------------------------------------------------------
  var renderId = 0;
  function page(title, build) {
    var mine = ++renderId;
    document.title = title + " · Jobcover portal";
    main.textContent = "";
    var heading = h("h1", { tabindex: "-1", text: title });
    var body = h("div", { "aria-busy": "true" }, h("p", { "class": "loading", role: "status", text: "Loading…" }));
    main.appendChild(heading);
    main.appendChild(body);
    heading.focus();
    Promise.resolve().then(build).then(function (content) {
      if (mine !== renderId) return;
      body.textContent = "";
      body.removeAttribute("aria-busy");
      add(body, content);
    }).catch(function (err) {
      if (mine !== renderId) return;
      body.textContent = "";
      body.removeAttribute("aria-busy");
      body.appendChild(failure(err));
    });
  }
  function failure(err) {
    if (err instanceof ApiError && err.status === 401) { signOut("Your key was not accepted; sign in again."); return empty(""); }
    var text = err instanceof ApiError ? err.message : "Could not reach the service (" + err + ").";
    return h("div", { "class": "error", role: "alert" },
      h("strong", { text: "Something went wrong. " }), text,
      err && err.requestId ? h("span", { "class": "muted", text: " (request " + err.requestId + ")" }) : null);
  }
  function link(href, text) { return h("a", { href: href, text: text }); }

  var PLATFORM_NAV = [["#/assignments", "Assignments"], ["#/policies", "Policies"],
    ["#/referrals", "Referrals"], ["#/premium", "Premium"]];
  var UNDERWRITER_NAV = [["#/queue", "Referral queue"], ["#/reviews", "Certificate reviews"]];
  function drawNav() {
    var role = sessionStorage.getItem(ROLE);
    nav.textContent = "";
    if (!role) { nav.hidden = true; return; }
    nav.hidden = false;
    var items = role === "underwriter" ? UNDERWRITER_NAV : PLATFORM_NAV;
    var here = location.hash.split("?")[0].split("/").slice(0, 2).join("/");
    nav.appendChild(h("ul", {}, items.map(function (it) {
      return h("li", {}, h("a", { href: it[0], text: it[1], "aria-current": it[0] === here ? "page" : null }));
    }), h("li", {}, h("button", { type: "button", onclick: function () { signOut("Signed out."); }, text: "Sign out" }))));
  }

  // -- sign in ----------------------------------------------------------------------------------
  function signOut(message) {
    contractorNames = {};
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(ROLE);
    if (location.hash) history.replaceState(null, "", location.pathname);
    drawNav();
    signInView(message);
  }
  function signInView(message) {
    renderId++;
    document.title = "Sign in · Jobcover portal";
    main.textContent = "";
    var input = h("input", { type: "password", autocomplete: "off", required: true, spellcheck: "false",
      "aria-describedby": "key-help" });
    var status = h("div", {});
    var form = h("form", { "class": "card signin", method: "post", action: "#", novalidate: true },
      field("api-key", "API key", input),
      h("p", { id: "key-help", "class": "muted", text: "A platform key for dispatches, or an underwriter key for the referral queue. It stays in this browser tab only." }),
      h("button", { type: "submit", text: "Sign in" }), status);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var key = input.value.trim();
      status.textContent = "";
      if (!key) { status.appendChild(h("p", { "class": "error", role: "alert", text: "Enter your API key." })); input.focus(); return; }
      sessionStorage.setItem(KEY, key);
      detectRole().then(function (role) {
        sessionStorage.setItem(ROLE, role);
        location.hash = role === "underwriter" ? "#/queue" : "#/assignments";
        route();
      }).catch(function (err) {
        sessionStorage.removeItem(KEY);
        var text = err instanceof ApiError && err.status === 401 ? "That key was not accepted."
          : err instanceof ApiError ? err.message : "Could not reach the service.";
        status.appendChild(h("p", { "class": "error", role: "alert", text: text }));
        input.focus();
      });
    });
    var heading = h("h1", { tabindex: "-1", text: "Sign in" });
    main.appendChild(heading);
    if (message) main.appendChild(h("p", { role: "status", text: message }));
    main.appendChild(form);
    input.focus();
  }
  function detectRole() {
    return get("/v1/assignments?limit=1").then(function () { return "platform"; }, function (err) {
      if (!(err instanceof ApiError) || err.status !== 403) throw err;
      return get("/v1/referrals?limit=1").then(function () { return "underwriter"; }, function (e2) {
        if (e2 instanceof ApiError && e2.status === 403)
          throw new ApiError(403, { error: { message: "This portal takes platform and underwriter keys." } });
        throw e2;
      });
    });
  }

  // -- platform: assignments --------------------------------------------------------------------
  var STATUSES = ["", "quoted", "bound", "partial", "uncovered", "referred", "active", "completed", "cancelled"];
  function hashParams() {
    var q = location.hash.split("?")[1] || "";
    var out = {};
    q.split("&").forEach(function (p) {
      if (!p) return;
      var kv = p.split("=");
      out[decodeURIComponent(kv[0])] = decodeURIComponent(kv[1] || "");
    });
    return out;
  }
  function coverageCell(a) {
    var lines = Object.keys(a.coverage || {});
    if (!lines.length) return "—";
    return h("ul", { "class": "plain" }, lines.map(function (line) {
      var c = a.coverage[line];
      return h("li", {}, line.toUpperCase() + " ", tag(c.status),
        " " + c.state + (c.class_code ? " · class " + c.class_code : ""));
    }));
  }
  function assignmentsView() {
    var p = hashParams();
    page("Assignments", function () {
      var status = h("select", {}, STATUSES.map(function (s) {
        return h("option", { value: s, text: s || "Any status", selected: s === (p.status || "") });
      }));
      var contractor = h("input", { type: "text", value: p.contractor || "", placeholder: "ctr_…", size: "30" });
      var state = h("input", { type: "text", value: p.state || "", maxlength: "2", size: "4", placeholder: "TX" });
      var from = h("input", { type: "date", value: p.from || "" });
      var to = h("input", { type: "date", value: p.to || "" });
      var form = h("form", { "class": "filters card", role: "search", "aria-label": "Filter assignments" },
        field("f-status", "Status", status), field("f-contractor", "Contractor", contractor),
        field("f-state", "Work state", state), field("f-from", "Starts from", from),
        field("f-to", "Starts until", to), h("button", { type: "submit", text: "Apply filters" }));
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        location.hash = "#/assignments" + query({ status: status.value, contractor: contractor.value.trim(),
          state: state.value.trim().toUpperCase(), from: from.value, to: to.value });
      });
      var filters = { status: p.status, contractor: p.contractor, state: p.state, from: p.from, to: p.to, limit: 25 };
      var list = h("div", {});
      function more(cursor) {
        var f = Object.assign({}, filters, { starting_after: cursor });
        return get("/v1/assignments" + query(f)).then(function (res) {
          if (!res.data.length && !cursor) { list.appendChild(empty("No assignments match these filters.")); return; }
          list.appendChild(table("Assignments, newest first", ["Assignment", "Contractor", "Trade", "Window start", "Status", "Coverage per line", "Premium"],
            res.data.map(function (a) {
              return [link("#/assignments/" + a.id, a.external_id), contractorName(a.contractor), a.trade,
                when(a.window.start), tag(a.status), coverageCell(a), money(a.premium_cents)];
            }), [6]));
          if (res.has_more) {
            var btn = h("button", { type: "button", "class": "secondary", text: "Load more assignments" });
            btn.addEventListener("click", function () { btn.remove(); more(res.data[res.data.length - 1].id).catch(function (e) { list.appendChild(failure(e)); }); });
            list.appendChild(btn);
          }
        });
      }
      return more(null).then(function () { return [form, list]; });
    });
  }

  function assignmentView(id) {
    page("Assignment", function () {
      return get("/v1/assignments/" + encodeURIComponent(id)).then(function (a) {
        main.querySelector("h1").textContent = "Assignment " + a.external_id;
        document.title = "Assignment " + a.external_id + " · Jobcover portal";
        var ledger = get("/v1/ledger?assignment=" + encodeURIComponent(a.id) + "&limit=100");
        var revisions = a.certificate ? get("/v1/certificates/" + a.certificate.id + "/revisions") : Promise.resolve(null);
        return Promise.all([ledger, revisions]).then(function (r) {
          return assignmentDetail(a, r[0], r[1]);
        });
      });
    });
  }
  function pdfButton(certId, number, revision, label) {
    var btn = h("button", { type: "button", "class": "secondary", text: label });
    btn.addEventListener("click", function () {
      btn.disabled = true;
      call("GET", "/v1/certificates/" + certId + "/pdf" + query({ revision: revision }), undefined, "application/pdf")
        .then(function (blob) { download(blob, number + "-r" + revision + ".pdf"); say("Certificate downloaded."); })
        .catch(function (e) { btn.after(failure(e)); })
        .then(function () { btn.disabled = false; });
    });
    return btn;
  }
  function assignmentDetail(a, ledger, revisions) {
    var out = [];
    out.push(h("div", { "class": "card" }, facts([
      ["Status", tag(a.status)], ["Premium", h("span", { "class": "total", text: money(a.premium_cents) })],
      ["Contractor", contractorName(a.contractor)], ["Trade", a.trade],
      ["Work address", a.work_address.line1 + ", " + a.work_address.city + ", " + a.work_address.state + " " + a.work_address.postal_code],
      ["Window", when(a.window.start) + " → " + when(a.window.end)],
      ["Pay", money(a.pay.amount_cents) + " " + a.pay.basis], ["Description", a.description],
      ["Assignment id", a.id], ["Referral", a.referral ? a.referral.id + " (" + a.referral.status + ")" : null]])));
    out.push(h("h2", { text: "Coverage per line" }));
    out.push(table("Coverage by line", ["Line", "Status", "State", "Class code", "Rate per $100", "Premium", "Reasons"],
      Object.keys(a.coverage).map(function (line) {
        var c = a.coverage[line];
        return [line.toUpperCase(), tag(c.status), c.state, c.class_code ? c.class_code + (c.class_description ? " — " + c.class_description : "") : "—",
          c.rate_per_100 || "—", money(c.premium_cents),
          (c.reasons || []).map(function (r) { return h("div", { text: r.message + (r.guideline ? " (" + r.guideline + ")" : "") }); })];
      }), [5]));
    out.push(h("h2", { text: "Certificate" }));
    if (!a.certificate) out.push(empty("No certificate: nothing is bound."));
    else {
      out.push(h("div", { "class": "card row" }, h("span", { text: a.certificate.number + " · revision " + a.certificate.revision + " " }),
        tag(a.certificate.status), pdfButton(a.certificate.id, a.certificate.number, a.certificate.revision, "Download certificate (PDF)")));
      if (revisions && revisions.data.length) out.push(table("Certificate revisions", ["Revision", "Status", "Issued", "PDF"],
        revisions.data.map(function (r) {
          return [String(r.revision), tag(r.status), when(r.created_at),
            r.stored_at ? pdfButton(a.certificate.id, a.certificate.number, r.revision, "Download revision " + r.revision) : "pending"];
        })));
    }
    out.push(h("h2", { text: "Ledger entries" }));
    if (!ledger.data.length) out.push(empty("Nothing booked for this assignment."));
    else out.push(table("Ledger entries (total " + money(ledger.total_cents) + ")", ["Booked", "Type", "Line", "Memo", "Amount"],
      ledger.data.map(function (e) { return [when(e.at), e.type, (e.line || "—").toUpperCase(), e.memo, money(e.amount_cents)]; }), [4]));
    return out;
  }

  // -- platform: policies -----------------------------------------------------------------------
  function policiesView() {
    page("Policies", function () {
      return get("/v1/policies?limit=50").then(function (res) {
        if (!res.data.length) return empty("No policies yet.");
        return table("Policies, newest first", ["Number", "Contractor", "Status", "Term", "Balance due"],
          res.data.map(function (p) {
            return [link("#/policies/" + p.id, p.number), contractorName(p.contractor), tag(p.status),
              p.effective_date + " → " + p.expiration_date, money(p.balance_due_cents)];
          }), [4]);
      });
    });
  }
  function policyView(id) {
    page("Policy", function () {
      var pid = encodeURIComponent(id);
      return Promise.all([get("/v1/policies/" + pid), get("/v1/policies/" + pid + "/payments?limit=100"),
        get("/v1/ledger?policy=" + pid + "&limit=1")]).then(function (r) {
        var p = r[0], payments = r[1], ledger = r[2];
        main.querySelector("h1").textContent = "Policy " + p.number;
        var events = [["Created", when(p.created_at)], ["Effective", p.effective_date], ["Expires", p.expiration_date]];
        (p.notices || []).forEach(function (n) { events.push(["Notice: " + n.reason, "sent " + when(n.sent_at) + ", effective " + n.effective_date]); });
        if (p.cancellation) events.push(["Cancellation", p.cancellation.reason + ", effective " + p.cancellation.effective_date + " (" + p.cancellation.method + ")"]);
        if (p.final_audit) events.push(["Final audit", p.final_audit.type + ", " + p.final_audit.status + ", due " + p.final_audit.due_by]);
        if (p.renewal_of) events.push(["Renewal of", link("#/policies/" + p.renewal_of, p.renewal_of)]);
        if (p.renewed_by) events.push(["Renewed by", link("#/policies/" + p.renewed_by, p.renewed_by)]);
        return [
          h("div", { "class": "card" }, facts([["Status", tag(p.status)], ["Balance due", h("span", { "class": "total", text: money(p.balance_due_cents) })],
            ["Contractor", contractorName(p.contractor)], ["Trade", p.trade], ["Lines", Object.keys(p.lines).map(function (l) { return l.toUpperCase() + " (" + p.lines[l].program + ")"; }).join(", ")],
            ["Estimated annual premium", money(p.estimated_annual_premium_cents)], ["Premium booked (ledger)", money(ledger.total_cents)]])),
          h("h2", { text: "Payments" }),
          payments.data.length ? table("Payments, newest first", ["Received", "Reference", "Amount"],
            payments.data.map(function (x) { return [when(x.created_at), x.reference, money(x.amount_cents)]; }), [2]) : empty("No payments recorded."),
          h("h2", { text: "Term events" }),
          table("Term events", ["Event", "Detail"], events)];
      });
    });
  }

  // -- referrals (both roles) -------------------------------------------------------------------
  function referralsView(underwriter) {
    page(underwriter ? "Referral queue" : "Referrals", function () {
      var path = underwriter ? "/v1/referrals?status=open&limit=50" : "/v1/referrals?limit=50";
      return get(path).then(function (res) {
        if (!res.data.length) return empty(underwriter ? "The queue is empty: no open referrals." : "No referrals.");
        var base = underwriter ? "#/queue/" : "#/referrals/";
        return table(underwriter ? "Open referrals, newest first" : "Referrals, newest first",
          ["Referral", "Status", "Subject", "Contractor", "Opened", "Reasons"],
          res.data.map(function (r) {
            return [link(base + r.id, r.id), tag(r.status), r.assignment ? "Dispatch " + r.assignment : "Quote " + r.quote,
              contractorName(r.contractor), when(r.created_at), (r.reasons || []).map(function (x) { return h("div", { text: x.code }); })];
          }));
      });
    });
  }
  function subjectFacts(s) {
    var keys = Object.keys(s || {}).filter(function (k) { return typeof s[k] !== "object" || s[k] === null; });
    var pairs = keys.map(function (k) {
      var cents = /_cents$/.test(k) && typeof s[k] === "number";
      return [(cents ? k.slice(0, -6) : k).replace(/_/g, " "), cents ? money(s[k]) : String(s[k])];
    });
    var out = [pairs.length ? facts(pairs) : empty("No subject details.")];
    var lines = s && s.lines && typeof s.lines === "object" ? s.lines : null;
    if (lines && Object.keys(lines).length) out.push(table("Each line's rating", ["Line", "Status", "Program", "Class code", "Rate per $100", "Premium"],
      Object.keys(lines).map(function (line) {
        var l = lines[line] || {};
        return [line.toUpperCase(), l.status ? tag(l.status) : "—", l.program || "—", l.class_code || "—",
          l.rate_per_100 || "—", money(l.premium_total_cents)];
      }), [5]));
    return out;
  }
  function referralView(id, underwriter) {
    page("Referral", function () {
      return get("/v1/referrals/" + encodeURIComponent(id)).then(function (r) { return referralDetail(r, underwriter); });
    });
  }
  function outcomeText(r) {
    var o = r.outcome || {};
    if (o.assignment) return "Dispatch " + o.assignment.id + " is " + o.assignment.status + " (premium " + money(o.assignment.premium_cents) + ")";
    if (o.quote) return "Quote " + o.quote.id + " is " + o.quote.status;
    return null;
  }
  function referralDetail(r, underwriter) {
    main.querySelector("h1").textContent = "Referral " + r.id;
    var quotes = {};
    (r.guidelines || []).forEach(function (g) { quotes[g.code + "|" + g.guideline] = g.quote; });
    var out = [h("div", { "class": "card" }, facts([["Status", tag(r.status)],
      ["Subject", r.assignment ? "Dispatch " + r.assignment : "Quote " + r.quote], ["Platform", r.platform],
      ["Contractor", contractorName(r.contractor)], ["Opened", when(r.created_at)], ["Now", outcomeText(r)],
      ["Decided", r.decided_at ? when(r.decided_at) + (r.note ? " — " + r.note : "") : null]]))];
    out.push(h("h2", { text: "Reasons and the guidelines behind them" }));
    out.push(h("ul", {}, (r.reasons || []).map(function (x) {
      var q = quotes[x.code + "|" + x.guideline];
      return h("li", { "class": "reason" }, h("strong", { text: x.code }), ": " + x.message,
        x.guideline ? h("div", { "class": "muted", text: "Guideline: " + x.guideline }) : null,
        q ? h("blockquote", { text: q }) : null);
    })));
    out.push(h("h2", { text: "What is being decided" }));
    out.push(subjectFacts(r.subject));
    if (underwriter && r.status === "open") out.push(decisionForm(r));
    return out;
  }
  function decisionForm(r) {
    var note = h("textarea", { maxlength: "2000" });
    var result = h("div", {});
    var approve = h("button", { type: "submit", value: "approve", text: "Approve" });
    var decline = h("button", { type: "submit", value: "decline", "class": "danger", text: "Decline" });
    var form = h("form", { "class": "card", "aria-label": "Decide this referral" },
      h("h2", { text: "Decision" }), field("decision-note", "Note (kept with the decision)", note),
      h("div", { "class": "row" }, approve, decline), result);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var action = ev.submitter ? ev.submitter.value : "approve";
      approve.disabled = decline.disabled = true;
      result.textContent = "";
      post("/v1/referrals/" + r.id + "/" + action, { note: note.value.trim() || null })
        .then(function () { return get("/v1/referrals/" + r.id); })
        .then(function (fresh) {
          say("Referral " + fresh.status + ".");
          main.querySelector("h1").nextSibling.textContent = "";
          add(main.querySelector("h1").nextSibling, referralDetail(fresh, true));
          var done = h("p", { "class": "card", role: "status", tabindex: "-1" }, "Referral ", tag(fresh.status), ". ", outcomeText(fresh) || "");
          main.querySelector("h1").nextSibling.prepend(done);
          done.focus();
        })
        .catch(function (e) { result.appendChild(failure(e)); approve.disabled = decline.disabled = false; });
    });
    return form;
  }

  // -- underwriter: certificate reviews ---------------------------------------------------------
  function reviewsView() {
    page("Certificate reviews", function () {
      return get("/v1/certificates?review=pending&limit=50").then(function (res) {
        if (!res.data.length) return empty("No certificates wait for review.");
        return table("Certificates waiting for review", ["Number", "Insured", "Holder", "Period", "Decision"],
          res.data.map(function (c) {
            var note = h("input", { type: "text", maxlength: "2000" });
            var box = h("form", { "class": "row", "aria-label": "Review " + c.number }, field("note-" + c.id, "Note", note),
              h("button", { type: "submit", value: "approve", text: "Approve" }),
              h("button", { type: "submit", value: "reject", "class": "danger", text: "Reject" }));
            box.addEventListener("submit", function (ev) {
              ev.preventDefault();
              var action = ev.submitter ? ev.submitter.value : "approve";
              post("/v1/certificates/" + c.id + "/" + action, { note: note.value.trim() || null }).then(function (done) {
                box.replaceWith(tag(done.review || done.status));
                say("Certificate " + c.number + " " + (done.review || done.status) + ".");
              }).catch(function (e) { box.appendChild(failure(e)); });
            });
            var period = c.period ? (c.period.start || "") + " → " + (c.period.end || "") : "—";
            return [c.number, c.insured ? c.insured.name : "—", c.holder ? c.holder.name : "—", period, box];
          }));
      });
    });
  }

  // -- platform: premium by day and by contractor, CSV export -----------------------------------
  function chart(rows) {
    var W = 720, H = 220, left = 70, bottom = 30, top = 12;
    var values = rows.map(function (r) { return r.total_cents; });
    var max = Math.max.apply(null, values.concat([0])), min = Math.min.apply(null, values.concat([0]));
    var span = max - min || 1;
    var y = function (v) { return top + (H - top - bottom) * (max - v) / span; };
    var bw = (W - left - 10) / Math.max(rows.length, 1);
    var ns = "http://www.w3.org/2000/svg";
    function s(tagName, attrs, text) {
      var el = document.createElementNS(ns, tagName);
      Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
      if (text !== undefined) el.textContent = text;
      return el;
    }
    var total = values.reduce(function (a, b) { return a + b; }, 0);
    var svg = s("svg", { "class": "chart", viewBox: "0 0 " + W + " " + H, role: "img",
      "aria-label": "Premium by day, " + rows[0].group + " to " + rows[rows.length - 1].group + ": " + money(total) + " in total" });
    svg.appendChild(s("line", { "class": "axis", x1: left, x2: W - 10, y1: y(0), y2: y(0) }));
    svg.appendChild(s("text", { x: left - 6, y: y(max) + 4, "text-anchor": "end" }, money(max)));
    if (min < 0) svg.appendChild(s("text", { x: left - 6, y: y(min) + 4, "text-anchor": "end" }, money(min)));
    rows.forEach(function (r, i) {
      var v = r.total_cents, x = left + i * bw + bw * 0.15;
      var bar = s("rect", { "class": v < 0 ? "bar neg" : "bar", x: x.toFixed(1), width: Math.max(bw * 0.7, 1).toFixed(1),
        y: Math.min(y(v), y(0)).toFixed(1), height: Math.max(Math.abs(y(v) - y(0)), v ? 1 : 0).toFixed(1) });
      bar.appendChild(s("title", {}, r.group + ": " + money(v)));
      svg.appendChild(bar);
    });
    svg.appendChild(s("text", { x: left, y: H - 8 }, rows[0].group));
    svg.appendChild(s("text", { x: W - 10, y: H - 8, "text-anchor": "end" }, rows[rows.length - 1].group));
    return svg;
  }
  function csvCell(v) {
    var t = v === null || v === undefined ? "" : String(v);
    if (/^[=+@\t\r]/.test(t) || (/^-/.test(t) && isNaN(Number(t)))) t = "'" + t; // no formulas in a spreadsheet
    return /[",\n\r]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
  }
  function exportCsv(from, to, button, status) {
    var lines = [["id", "at", "type", "amount_cents", "amount", "assignment", "policy", "contractor", "line", "memo"].join(",")];
    button.disabled = true;
    status.textContent = "Exporting…";
    function next(cursor) {
      return get("/v1/ledger" + query({ from: from, to: to, limit: 100, starting_after: cursor })).then(function (res) {
        res.data.forEach(function (e) {
          lines.push([e.id, e.at, e.type, e.amount_cents, (e.amount_cents / 100).toFixed(2), e.assignment, e.policy,
            e.contractor, e.line, e.memo].map(csvCell).join(","));
        });
        return res.has_more ? next(res.data[res.data.length - 1].id) : res.total_cents;
      });
    }
    return next(null).then(function (total) {
      download(new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv" }), "jobcover-ledger-" + from + "-to-" + to + ".csv");
      status.textContent = "Exported " + (lines.length - 1) + " entries, " + money(total) + ".";
      say(status.textContent);
    }).catch(function (e) { status.textContent = ""; status.appendChild(failure(e)); })
      .then(function () { button.disabled = false; });
  }
  function premiumView() {
    var p = hashParams();
    var from = p.from || daysAgo(29), to = p.to || today();
    page("Premium", function () {
      var fromInput = h("input", { type: "date", value: from, required: true });
      var toInput = h("input", { type: "date", value: to, required: true });
      var form = h("form", { "class": "filters card", "aria-label": "Date range" },
        field("p-from", "From", fromInput), field("p-to", "To", toInput), h("button", { type: "submit", text: "Show" }));
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        location.hash = "#/premium" + query({ from: fromInput.value, to: toInput.value });
      });
      var range = query({ from: from, to: to }).slice(1);
      return Promise.all([get("/v1/ledger/summary?group_by=day&" + range), get("/v1/ledger/summary?group_by=contractor&" + range)])
        .then(function (r) {
          var byDay = r[0], byContractor = r[1];
          var exportStatus = h("div", { role: "status" });
          var exportButton = h("button", { type: "button", "class": "secondary", text: "Export ledger as CSV" });
          exportButton.addEventListener("click", function () { exportCsv(byDay.from, byDay.to, exportButton, exportStatus); });
          var booked = byDay.data.filter(function (d) { return d.entries; });
          return [form,
            h("p", {}, "Booked " + byDay.from + " to " + byDay.to + ": ", h("span", { "class": "total", text: money(byDay.total_cents) })),
            h("div", { "class": "row" }, exportButton, exportStatus),
            h("h2", { text: "By day" }),
            booked.length ? [chart(byDay.data), table("Premium by day (days with entries)", ["Day", "Entries", "Premium"],
              booked.map(function (d) { return [d.group, String(d.entries), money(d.total_cents)]; }), [1, 2])]
              : empty("Nothing booked in this range."),
            h("h2", { text: "By contractor" }),
            byContractor.data.length ? table("Premium by contractor, largest first", ["Contractor", "Id", "Entries", "Premium"],
              byContractor.data.map(function (c) { return [c.name || "—", c.group, String(c.entries), money(c.total_cents)]; }), [2, 3])
              : empty("Nothing booked in this range.")];
        });
    });
  }

  // -- routing ----------------------------------------------------------------------------------
  function route() {
    var role = sessionStorage.getItem(ROLE);
    if (!sessionStorage.getItem(KEY) || !role) { drawNav(); signInView(); return; }
    drawNav();
    var parts = location.hash.split("?")[0].split("/");
    var section = parts[1] || "", id = parts[2] ? decodeURIComponent(parts[2]) : null;
    if (role === "underwriter") {
      if (section === "reviews") return reviewsView();
      if (section === "queue" && id) return referralView(id, true);
      return referralsView(true);
    }
    if (section === "assignments" && id) return assignmentView(id);
    if (section === "policies") return id ? policyView(id) : policiesView();
    if (section === "referrals") return id ? referralView(id, false) : referralsView(false);
    if (section === "premium") return premiumView();
    return assignmentsView();
  }
  window.addEventListener("hashchange", route);
  route();
})();
