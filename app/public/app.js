// The live page: one EventSource on /events (a "timeline" event per second), three canvas
// charts over the last 120 s, and the controls. Plain browser JavaScript, no build step.
"use strict";
(() => {
    const KEEP = 120;
    const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];
    const points = []; // {t, routes: {path: {requests, errors, meanMs, p95Ms}}}
    const colorOf = new Map();
    const $ = (id) => document.getElementById(id);

    function color(route) {
        if (!colorOf.has(route)) colorOf.set(route, COLORS[colorOf.size % COLORS.length]);
        return colorOf.get(route);
    }

    function draw(canvas, field) {
        const ctx = canvas.getContext("2d");
        const w = canvas.width,
            h = canvas.height,
            pad = 30;
        ctx.clearRect(0, 0, w, h);
        const routes = [...colorOf.keys()];
        let max = 1;
        for (const p of points) for (const r of routes) max = Math.max(max, p.routes[r] ? p.routes[r][field] : 0);
        ctx.fillStyle = "#6b7280";
        ctx.font = "11px system-ui";
        ctx.fillText(String(Math.round(max * 10) / 10), 2, 12);
        ctx.fillText("0", 2, h - pad + 4);
        ctx.strokeStyle = "#e5e7eb";
        ctx.beginPath();
        ctx.moveTo(pad, h - pad);
        ctx.lineTo(w, h - pad);
        ctx.stroke();
        const x = (i) => pad + ((w - pad) * (KEEP - points.length + i)) / (KEEP - 1);
        const y = (v) => h - pad - ((h - pad - 8) * v) / max;
        for (const r of routes) {
            ctx.strokeStyle = color(r);
            ctx.lineWidth = 2;
            ctx.beginPath();
            points.forEach((p, i) => {
                const v = p.routes[r] ? p.routes[r][field] : 0;
                i ? ctx.lineTo(x(i), y(v)) : ctx.moveTo(x(i), y(v));
            });
            ctx.stroke();
        }
        ctx.fillStyle = "#6b7280";
        ctx.fillText("-" + KEEP + " s", pad, h - 8);
        ctx.fillText("now", w - 24, h - 8);
    }

    function renderTable() {
        const last = points[points.length - 1];
        const body = $("now").tBodies[0];
        body.replaceChildren();
        for (const r of [...colorOf.keys()].sort()) {
            const s = (last && last.routes[r]) || { requests: 0, errors: 0, meanMs: 0, p95Ms: 0 };
            const tr = document.createElement("tr");
            tr.dataset.route = r;
            for (const [cls, v] of [
                ["path", r],
                ["rps", s.requests],
                ["p95", s.p95Ms],
                ["mean", s.meanMs],
                ["errors", s.errors],
            ]) {
                const td = document.createElement("td");
                td.className = cls;
                td.textContent = String(v);
                tr.append(td);
            }
            body.append(tr);
        }
        $("legend").replaceChildren(
            ...[...colorOf.keys()].map((r) => {
                const s = document.createElement("span");
                const i = document.createElement("i");
                i.style.background = color(r);
                s.append(i, r);
                return s;
            }),
        );
    }

    function renderState(state) {
        const c = state.controls;
        for (const [name, on, label] of [
            ["load", c.load, "load"],
            ["readers", c.readers, "readers"],
            ["writers", c.writers, "writers"],
        ]) {
            const b = $("btn-" + name);
            b.dataset.on = String(on);
            b.textContent = (on ? "Stop " : "Start ") + label;
        }
        $("reads-via").textContent = "reads via " + state.readsVia;
        const s = state.spike;
        if (s)
            $("spike-msg").textContent =
                (s.running ? "spike running: " : "last spike: ") +
                s.sent +
                " sent of " +
                s.seconds * s.rps +
                (s.dropped ? ", " + s.dropped + " dropped" : "") +
                (s.skipped ? ", " + s.skipped + " skipped" : "");
    }

    function onTimeline(ev) {
        const msg = JSON.parse(ev.data);
        for (const p of msg.points) {
            for (const r of Object.keys(p.routes)) color(r);
            points.push(p);
        }
        points.splice(0, Math.max(0, points.length - KEEP));
        draw($("chart-rps"), "requests");
        draw($("chart-latency"), "p95Ms");
        draw($("chart-errors"), "errors");
        renderTable();
        renderState(msg.state);
        document.body.dataset.updated = String(points.length ? points[points.length - 1].t : 0);
    }

    // The control token, put in the page by the server (same origin only: see app/src/auth.ts).
    const token = document.querySelector('meta[name="sample-app-token"]').content;

    async function post(url, body) {
        const res = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: "Bearer " + token },
            body: JSON.stringify(body),
        });
        const json = await res.json();
        if (!res.ok) throw new Error(json.error || res.statusText);
        return json;
    }

    for (const name of ["load", "readers", "writers"]) {
        $("btn-" + name).addEventListener("click", async (e) => {
            const on = e.currentTarget.dataset.on === "true";
            try {
                renderState({
                    ...(await post("/controls", { [name]: !on })),
                    readsVia: $("reads-via").textContent.replace("reads via ", ""),
                });
            } catch (err) {
                $("spike-msg").textContent = String(err.message);
            }
        });
    }

    $("spike-form").addEventListener("submit", async (e) => {
        e.preventDefault();
        const n = (id) => Number($(id).value);
        try {
            const r = await post("/spike", {
                seconds: n("spike-seconds"),
                rps: n("spike-rps"),
                mix: { login: n("spike-login"), search: n("spike-search") },
            });
            $("spike-msg").textContent = "spike started: " + r.requests + " requests";
        } catch (err) {
            $("spike-msg").textContent = "refused: " + err.message;
        }
    });

    const es = new EventSource("/events");
    es.addEventListener("open", () => {
        $("conn").dataset.state = "live";
        $("conn").textContent = "live";
    });
    es.addEventListener("error", () => {
        $("conn").dataset.state = "lost";
        $("conn").textContent = "reconnecting…";
    });
    es.addEventListener("timeline", onTimeline);
})();
