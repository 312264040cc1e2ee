/**
 * The control token: what every state-changing route requires, and how the live page gets it.
 *
 * Threat: cross-site request forgery. Any web page the lab's user opens can make their browser
 * send `POST /spike` or `POST /controls` to the app (a `<form>` posting
 * `application/x-www-form-urlencoded`, or `fetch(…, {mode: "no-cors"})` with no body or a
 * `text/plain` one): such "simple" requests reach the server without a CORS preflight (WHATWG
 * Fetch "CORS-safelisted request-header", "CORS-safelisted method"). So every state-changing
 * route requires both
 * - `Authorization: Bearer <token>` (RFC 6750 §2.1): `Authorization` is not a CORS-safelisted
 *   header, so a cross-site page cannot send it without a preflight, which this app never
 *   answers with `Access-Control-Allow-*` — the browser then does not send the request; and
 * - `Content-Type: application/json` (parameters such as `charset` allowed): a form's content
 *   types and `text/plain` are refused with 415 before the body is parsed.
 *
 * Status codes: no or malformed `Authorization` → 401 with `WWW-Authenticate: Bearer` (RFC 6750
 * §3); a well-formed token that is not ours → 403; the right token with another content type →
 * 415. The token is checked first, so an unauthenticated client learns nothing about the route.
 * The comparison is constant-time over SHA-256 digests (`crypto.timingSafeEqual` needs equal
 * lengths; digesting both sides also hides the token's length).
 *
 * How the live page gets it (OWASP CSRF Prevention Cheat Sheet, "Synchronizer Token Pattern",
 * as Rails' `csrf_meta_tags` does): the page's HTML, served from the app's own origin, carries
 * it in `<meta name="sample-app-token">`; `app.js` reads it and sends the header. A cross-site
 * page can make the browser load that HTML but cannot read the response (same-origin policy; no
 * CORS headers are sent), and cannot frame it (CSP `frame-ancestors 'none'`). The page is
 * served with a strict Content-Security-Policy (scripts, styles and connections to `'self'`
 * only, no inline script), `Cache-Control: no-store` and `Referrer-Policy: no-referrer`.
 *
 * What it does not do: anyone who can reach the app's port can load the page and act through
 * it, as before — access to the lab is the network's job (Docker publishes on 127.0.0.1,
 * Kubernetes uses a ClusterIP Service). A DNS-rebinding page is same-origin to the browser;
 * checking the `Host` header would be the defence, not done here.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** The meta tag the live page reads the token from. */
export const TOKEN_META_NAME = "sample-app-token";

/** The token's grammar: 32..256 characters of A–Z a–z 0–9 `_` `-` (hex or base64url; header-safe). */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32,256}$/;

/** A fresh token for a process started without `APP_CONTROL_TOKEN`: 32 random bytes, base64url (43 characters). */
export function generateToken(): string {
    return randomBytes(32).toString("base64url");
}

/** The `Authorization` value a client sends: `Bearer <token>`. */
export function bearer(token: string): string {
    return `Bearer ${token}`;
}

/** Outcome of {@link checkControlRequest}: allowed, or the status and message of the refusal. */
export type ControlCheck = { ok: true } | { ok: false; status: 401 | 403 | 415; error: string };

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/**
 * Judges one state-changing request by its headers alone (before the body is read).
 * @param token the app's control token.
 * @param headers `authorization` and `content-type` as received (a repeated header arrives as an array and is refused).
 * @param needsBody whether the route takes a JSON body (POST); a route without one (DELETE) checks only the token.
 */
export function checkControlRequest(
    token: string,
    headers: { authorization?: string | string[]; "content-type"?: string | string[] },
    needsBody: boolean,
): ControlCheck {
    const auth = headers.authorization;
    const m = typeof auth === "string" ? /^Bearer ([^\s]+)$/i.exec(auth) : null;
    if (!m) return { ok: false, status: 401, error: "Authorization: expected Bearer <control token>" };
    if (!timingSafeEqual(digest(m[1]), digest(token))) return { ok: false, status: 403, error: "Authorization: wrong control token" };
    if (!needsBody) return { ok: true };
    const type = headers["content-type"];
    const media = typeof type === "string" ? type.split(";")[0].trim().toLowerCase() : "";
    if (media !== "application/json") {
        return {
            ok: false,
            status: 415,
            error: `Content-Type: expected application/json, got ${type === undefined ? "nothing" : JSON.stringify(type)}`,
        };
    }
    return { ok: true };
}

/**
 * The live page's HTML with the token in its meta tag (`content=""` in `public/index.html` is
 * the placeholder). The token's grammar has no character that needs HTML escaping.
 * @throws Error when the template has no placeholder (the page would silently lose its controls).
 */
export function pageWithToken(html: string, token: string): string {
    const placeholder = `<meta name="${TOKEN_META_NAME}" content="" />`;
    if (!html.includes(placeholder)) throw new Error(`index.html lacks ${placeholder}`);
    if (!TOKEN_PATTERN.test(token)) throw new Error("control token outside its grammar");
    return html.replace(placeholder, `<meta name="${TOKEN_META_NAME}" content="${token}" />`);
}

/**
 * Headers of the page that carries the token: a strict CSP (W3C CSP Level 3: `default-src`,
 * `frame-ancestors`, `base-uri`, `form-action`), no caching of the token (RFC 9111 `no-store`),
 * no Referer, no MIME sniffing, no framing in browsers without CSP 2 (`X-Frame-Options`).
 */
export const PAGE_HEADERS: Record<string, string> = {
    "content-security-policy":
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
};
