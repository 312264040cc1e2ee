/**
 * Real keys and certificates from what a program registers with `@pulumi/tls`. Under mocks the
 * tls resources return placeholders (tests/support/evaluate.ts `mockTlsPem`); this turns the
 * registered inputs — key algorithm and size, subject, DNS names, IP addresses, allowed uses,
 * validity, CA flag — into real PEM files with the `openssl` binary, the way the provider would
 * build them (terraform-provider-tls `internal/provider/common_cert.go`: key usage critical,
 * basic constraints critical with the CA flag, a locally signed certificate takes subject and
 * SANs from its request), so tests can judge the chain with `openssl verify` and real TLS peers.
 */
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Graph, RegisteredResource } from "./evaluate";
import { requireTool, run } from "./tools";

/** tls provider `allowed_uses` → OpenSSL `keyUsage` names (RFC 5280 4.2.1.3). */
const KEY_USAGE: Record<string, string> = {
    digital_signature: "digitalSignature",
    content_commitment: "nonRepudiation",
    key_encipherment: "keyEncipherment",
    data_encipherment: "dataEncipherment",
    key_agreement: "keyAgreement",
    cert_signing: "keyCertSign",
    crl_signing: "cRLSign",
    encipher_only: "encipherOnly",
    decipher_only: "decipherOnly",
};

/** tls provider `allowed_uses` → OpenSSL `extendedKeyUsage` names (RFC 5280 4.2.1.12). */
const EXTENDED_KEY_USAGE: Record<string, string> = {
    any_extended: "anyExtendedKeyUsage",
    server_auth: "serverAuth",
    client_auth: "clientAuth",
    code_signing: "codeSigning",
    email_protection: "emailProtection",
    ipsec_end_system: "ipsecEndSystem",
    ipsec_tunnel: "ipsecTunnel",
    ipsec_user: "ipsecUser",
    timestamping: "timeStamping",
    ocsp_signing: "OCSPSigning",
};

/** A mocked input as a plain value: secrets arrive wrapped as `{ <sig>: …, value }`. */
export function plain<T = unknown>(value: unknown): T {
    const SIG = "4dabf18193072939515e22adb298388d";
    return (value && typeof value === "object" && SIG in value ? (value as unknown as { value: unknown }).value : value) as T;
}

/** The resource name a placeholder PEM came from (`mock-tls:<name>:<kind>:<hash>`). */
function sourceOf(pem: unknown): string {
    const m = /^mock-tls:([^:]+):(key|cert|csr):/.exec(String(plain(pem)));
    assert.ok(m, `not a mocked tls value: ${String(plain(pem))}`);
    return m[1];
}

/** OpenSSL `-subj` text for a tls subject (`/O=clusterlab/CN=node`). */
function subjectOf(subject: { commonName?: string; organization?: string } | undefined): string {
    const parts = [subject?.organization && `/O=${subject.organization}`, subject?.commonName && `/CN=${subject.commonName}`];
    return parts.filter(Boolean).join("") || "/";
}

/** The extension section for allowed uses and the CA flag, as the provider sets them. */
function extensions(inputs: Record<string, any>, extra: string[] = []): string {
    const uses: string[] = plain(inputs.allowedUses) ?? [];
    const unknown = uses.filter((u) => !(u in KEY_USAGE) && !(u in EXTENDED_KEY_USAGE));
    assert.deepEqual(unknown, [], `allowed uses the tls provider does not accept: ${unknown.join(", ")}`);
    const ku = uses.filter((u) => u in KEY_USAGE).map((u) => KEY_USAGE[u]);
    const eku = uses.filter((u) => u in EXTENDED_KEY_USAGE).map((u) => EXTENDED_KEY_USAGE[u]);
    return [
        "[ext]",
        `basicConstraints = critical, CA:${inputs.isCaCertificate ? "TRUE" : "FALSE"}`,
        ...(ku.length ? [`keyUsage = critical, ${ku.join(", ")}`] : []),
        ...(eku.length ? [`extendedKeyUsage = ${eku.join(", ")}`] : []),
        ...extra,
        "",
    ].join("\n");
}

/** `-days` for a validity in hours; OpenSSL 3.0 has no finer unit. */
function days(hours: number): string {
    assert.ok(Number.isInteger(hours) && hours % 24 === 0, `validity ${hours} h is not whole days; openssl 3.0 cannot issue it`);
    return String(hours / 24);
}

function openssl(args: string[]): string {
    const r = run(requireTool("openssl"), args, 60_000);
    assert.equal(r.status, 0, `openssl ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
}

/** Paths of the materialized files, by registered resource name (`crdb-node` → its certificate). */
export interface MaterializedTls {
    /** Private key file of a `tls:index/privateKey:PrivateKey`. */
    key(resource: string): string;
    /** Certificate file of a `SelfSignedCert` or `LocallySignedCert`. */
    cert(resource: string): string;
    /** Key file that belongs to a certificate resource (through its request). */
    keyOfCert(resource: string): string;
}

const TYPES = {
    key: "tls:index/privateKey:PrivateKey",
    selfSigned: "tls:index/selfSignedCert:SelfSignedCert",
    request: "tls:index/certRequest:CertRequest",
    signed: "tls:index/locallySignedCert:LocallySignedCert",
};

/**
 * Generates every key, self-signed certificate and locally signed certificate of `graph` in
 * `dir` (`<name>.key`, `<name>.csr`, `<name>.crt`) from their registered inputs.
 * @throws AssertionError when a resource references one that was not registered, or uses an
 *   allowed use or key algorithm this helper does not know.
 */
export function materializeTls(graph: Graph, dir: string): MaterializedTls {
    const all = [...graph.resources.values()];
    const byName = (type: string) => new Map(all.filter((r) => r.type === type).map((r) => [r.name, r]));
    const keys = byName(TYPES.key);
    const requests = byName(TYPES.request);
    const path = (name: string, ext: string) => join(dir, `${name}.${ext}`);

    for (const [name, r] of keys) {
        const algorithm = plain<string>(r.inputs.algorithm);
        const opts =
            algorithm === "RSA"
                ? ["-algorithm", "RSA", "-pkeyopt", `rsa_keygen_bits:${plain<number>(r.inputs.rsaBits) ?? 2048}`]
                : algorithm === "ECDSA"
                  ? [
                        "-algorithm",
                        "EC",
                        "-pkeyopt",
                        `ec_paramgen_curve:${({ P224: "P-224", P256: "P-256", P384: "P-384", P521: "P-521" } as Record<string, string>)[plain<string>(r.inputs.ecdsaCurve) ?? "P224"]}`,
                    ]
                  : assert.fail(`key algorithm ${algorithm} not supported here`);
        openssl(["genpkey", ...opts, "-out", path(name, "key")]);
    }
    const keyFile = (pem: unknown) => {
        const source = sourceOf(pem);
        assert.ok(keys.has(source), `${source} is not a registered private key`);
        return path(source, "key");
    };
    const sans = (r: RegisteredResource) => {
        const names = [
            ...(plain<string[]>(r.inputs.dnsNames) ?? []).map((d) => `DNS:${d}`),
            ...(plain<string[]>(r.inputs.ipAddresses) ?? []).map((i) => `IP:${i}`),
        ];
        return names.length ? [`subjectAltName = ${names.join(", ")}`] : [];
    };

    for (const [name, r] of byName(TYPES.selfSigned)) {
        // `req -x509` reads extensions from its config file (OpenSSL 3.0 `req` has no -extfile).
        const cnf = path(name, "cnf");
        const ext = extensions(r.inputs, [...sans(r), ...(r.inputs.setSubjectKeyId ? ["subjectKeyIdentifier = hash"] : [])]);
        writeFileSync(cnf, ["[req]", "distinguished_name = dn", "[dn]", ext].join("\n"));
        openssl([
            "req", "-x509", "-new", "-key", keyFile(r.inputs.privateKeyPem), "-subj", subjectOf(plain(r.inputs.subject)),
            "-days", days(plain(r.inputs.validityPeriodHours)), "-config", cnf, "-extensions", "ext", "-out", path(name, "crt"),
        ]); // prettier-ignore
    }
    for (const [name, r] of requests) {
        const cnf = path(name, "req.cnf");
        writeFileSync(cnf, ["[req]", "distinguished_name = dn", "req_extensions = ext", "[dn]", "[ext]", ...sans(r), ""].join("\n"));
        openssl([
            "req",
            "-new",
            "-key",
            keyFile(r.inputs.privateKeyPem),
            "-subj",
            subjectOf(plain(r.inputs.subject)),
            "-config",
            cnf,
            "-out",
            path(name, "csr"),
        ]);
    }
    const certOf = new Map<string, string>();
    for (const [name, r] of byName(TYPES.signed)) {
        const request = sourceOf(r.inputs.certRequestPem);
        const ca = sourceOf(r.inputs.caCertPem);
        assert.ok(requests.has(request), `${name}: ${request} is not a registered request`);
        assert.equal(
            keyFile(r.inputs.caPrivateKeyPem),
            keyFile(graph.resources.get(`${TYPES.selfSigned}::${ca}`)?.inputs.privateKeyPem),
            `${name}: CA key and CA certificate differ`,
        );
        const ext = path(name, "ext");
        writeFileSync(ext, extensions(r.inputs, ["authorityKeyIdentifier = keyid"]));
        openssl([
            "x509", "-req", "-in", path(request, "csr"), "-CA", path(ca, "crt"), "-CAkey", keyFile(r.inputs.caPrivateKeyPem),
            "-CAcreateserial", "-CAserial", path(name, "srl"), "-days", days(plain(r.inputs.validityPeriodHours)),
            "-copy_extensions", "copyall", "-extfile", ext, "-extensions", "ext", "-out", path(name, "crt"),
        ]); // prettier-ignore
        certOf.set(name, keyFile(requests.get(request)!.inputs.privateKeyPem));
    }
    for (const [name, r] of byName(TYPES.selfSigned)) certOf.set(name, keyFile(r.inputs.privateKeyPem));
    return {
        key: (resource) => (keys.has(resource) ? path(resource, "key") : assert.fail(`no private key ${resource}`)),
        cert: (resource) => (certOf.has(resource) ? path(resource, "crt") : assert.fail(`no certificate ${resource}`)),
        keyOfCert: (resource) => certOf.get(resource) ?? assert.fail(`no certificate ${resource}`),
    };
}
