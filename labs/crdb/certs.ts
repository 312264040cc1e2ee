/**
 * CockroachDB secure mode's certificates as code: the plan as data ({@link crdbCertPlan}, tested
 * directly) and the component that issues it with `@pulumi/tls` and keeps each certs directory
 * as a platform secret file set ({@link CrdbCertificates}).
 *
 * What CockroachDB requires (cockroachlabs.com/docs/stable/authentication, "Using digital
 * certificates with CockroachDB"; cockroachlabs.com/docs/stable/create-security-certificates-openssl;
 * cockroachlabs.com/docs/stable/cockroach-cert, "Certificate directory"):
 * - a certs directory (`--certs-dir`) with `ca.crt`; on nodes `node.crt` + `node.key`; on clients
 *   `client.<user>.crt` + `client.<user>.key`;
 * - the node certificate is presented both as a server (to SQL clients and other nodes) and as a
 *   client (to other nodes): `CN=node`, extended key usages serverAuth and clientAuth, and every
 *   name or address a node is reached by in its SANs (advertise/listen addresses, load balancers
 *   and DNS aliases, `localhost`, `127.0.0.1`);
 * - a client certificate names its SQL user in `CN` and allows clientAuth;
 * - key files must not be readable by group or others (at most 0700); we mount 0400.
 *
 * Keys are RSA 2048, as `cockroach cert` makes them (`--key-size` default 2048). The CA lives
 * 10 years (`cockroach cert create-ca --lifetime` default), the node and client certificates
 * `crdb.certValidityHours` (default 5 years, `create-node`/`create-client` default).
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { Platform, SecretFiles, SecretMount, contentHash } from "../../components/platform";

/** `allowed_uses` values of the tls provider (terraform-provider-tls `internal/provider/types_key_usage.go`; RFC 5280 4.2.1.3 / 4.2.1.12). */
export type KeyUse = "cert_signing" | "crl_signing" | "digital_signature" | "key_encipherment" | "server_auth" | "client_auth";

/** Key algorithm and size of every key. */
export const CRDB_KEY = { algorithm: "RSA", rsaBits: 2048 } as const;
/** CA validity in hours: 10 years. Changing it would replace the (protected) CA, so it is not config. */
export const CA_VALIDITY_HOURS = 87_600;
/** Highest node count config allows (`crdb.nodes` 1..9); the node certificate covers every one of them. */
export const CRDB_MAX_NODES = 9;
/** The SQL users that get a client certificate: the admin, the sample app's writer, the read-only reader. */
export const CRDB_CLIENT_USERS = ["root", "writer", "reader"] as const;
/** Where nodes and the lab's own steps (init, SQL, backups, workload) mount their certs directory. */
export const CRDB_CERTS_DIR = "/cockroach/cockroach-certs";
/** Mode of every mounted certificate file: owner read-only (0o400 = 256). */
export const CRDB_CERT_FILE_MODE = 0o400;
/**
 * Mode of the sample app's client certificate files: readable by all (0o444). The app runs as
 * `node` (uid 1000, app/Dockerfile `USER node`), not as the files' owner (root), in a container
 * of its own; node-postgres reads the key without checking its mode (libpq would refuse it).
 */
export const APP_CERT_FILE_MODE = 0o444;

/** One certificate of the plan. */
export interface CertSpec {
    /** Resource name stem, e.g. `crdb-ca`, `crdb-node`, `crdb-client-reader`. */
    name: string;
    subject: { commonName: string; organization: string };
    dnsNames: string[];
    ipAddresses: string[];
    allowedUses: KeyUse[];
    validityHours: number;
    isCa: boolean;
    /** File names in the certs directory, e.g. `node.crt` / `node.key`. */
    certFile: string;
    keyFile: string;
    /** The secret file set holding `ca.crt` and this certificate and key; none for the CA (its key never leaves state). */
    secretName?: string;
}

/** The whole plan: the CA, one node certificate for every node there will ever be, a client certificate per user. */
export interface CrdbCertPlan {
    ca: CertSpec;
    node: CertSpec;
    clients: CertSpec[];
}

/** What the plan is computed from. */
export interface CrdbCertPlanInput {
    /** How members are reached, for ordinals 0..{@link CRDB_MAX_NODES}-1 (e.g. `crdb-0` or `crdb-0.crdb-peer.ns.svc.cluster.local`). */
    memberHosts: string[];
    /** Client services: their name and the host clients use (e.g. `crdb-writer` and its cluster DNS name). */
    services: { name: string; host: string }[];
    users: readonly string[];
    /** Validity of node and client certificates, hours. */
    leafValidityHours: number;
}

/**
 * The node certificate's DNS names: a wildcard over each member host's domain when it has one
 * (`*.crdb-peer.ns.svc.cluster.local`, so a scale-out never needs a new certificate), else the
 * host itself (Docker's `crdb-N`, every possible ordinal listed); each service by its host and
 * by its bare name; `localhost`. Wildcards match exactly one label (RFC 6125 6.4.3).
 */
export function nodeDnsNames(memberHosts: string[], services: { name: string; host: string }[]): string[] {
    const members = memberHosts.map((h) => (h.includes(".") ? `*.${h.slice(h.indexOf(".") + 1)}` : h));
    return [...new Set([...members, ...services.flatMap((s) => [s.host, s.name]), "localhost"])];
}

/** Secret name of a user's client certificate set (DNS-1123: `_` becomes `-`). */
export function clientSecretName(user: string): string {
    return `crdb-client-${user.replace(/_/g, "-")}`;
}

/** The certificate plan. Pure data: no resource is registered. */
export function crdbCertPlan(input: CrdbCertPlanInput): CrdbCertPlan {
    const organization = "clusterlab";
    const leaf = { ipAddresses: [] as string[], isCa: false, validityHours: input.leafValidityHours };
    return {
        ca: {
            name: "crdb-ca",
            subject: { commonName: "clusterlab CockroachDB CA", organization },
            dnsNames: [],
            ipAddresses: [],
            allowedUses: ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
            validityHours: CA_VALIDITY_HOURS,
            isCa: true,
            certFile: "ca.crt",
            keyFile: "ca.key",
        },
        node: {
            ...leaf,
            name: "crdb-node",
            subject: { commonName: "node", organization },
            dnsNames: nodeDnsNames(input.memberHosts, input.services),
            ipAddresses: ["127.0.0.1"],
            allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
            certFile: "node.crt",
            keyFile: "node.key",
            secretName: "crdb-node-certs",
        },
        clients: input.users.map((user) => ({
            ...leaf,
            name: `crdb-client-${user}`,
            subject: { commonName: user, organization },
            dnsNames: [],
            allowedUses: ["digital_signature", "key_encipherment", "client_auth"],
            certFile: `client.${user}.crt`,
            keyFile: `client.${user}.key`,
            secretName: clientSecretName(user),
        })),
    };
}

/** Arguments of {@link CrdbCertificates}. */
export interface CrdbCertificatesArgs {
    platform: Platform;
    plan: CrdbCertPlan;
}

/**
 * Issues the plan (`clusterlab:index:CrdbCertificates`): a `tls.PrivateKey` + `tls.SelfSignedCert`
 * CA, both `protect`ed (a new CA would invalidate every certificate a client holds); per leaf a
 * `tls.PrivateKey`, `tls.CertRequest` and `tls.LocallySignedCert`. Every tls attribute forces a
 * new resource (terraform-provider-tls), so a new validity re-issues the leaf certificates and
 * nothing else; their secret sets get new contents under the same names (on Kubernetes the
 * provider re-creates a Secret whose data changes) and a new version (a hash of the
 * certificates, never the keys) that rolls the pods mounting them.
 */
export class CrdbCertificates extends pulumi.ComponentResource {
    /** `ca.crt`, `node.crt`, `node.key`: what every node mounts at {@link CRDB_CERTS_DIR}. */
    public readonly nodeSecret: SecretFiles;
    /** Per SQL user, `ca.crt`, `client.<user>.crt`, `client.<user>.key`. */
    public readonly clientSecrets: Record<string, SecretFiles>;
    /** The CA certificate (public). */
    public readonly caCertPem: pulumi.Output<string>;

    constructor(name: string, args: CrdbCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusterlab:index:CrdbCertificates", name, {}, opts);
        const { plan, platform } = args;
        const caKey = new tls.PrivateKey(`${plan.ca.name}-key`, { ...CRDB_KEY }, { parent: this, protect: true });
        const ca = new tls.SelfSignedCert(
            plan.ca.name,
            {
                privateKeyPem: caKey.privateKeyPem,
                subject: plan.ca.subject,
                isCaCertificate: true,
                allowedUses: plan.ca.allowedUses,
                validityPeriodHours: plan.ca.validityHours,
                setSubjectKeyId: true,
            },
            { parent: this, protect: true },
        );
        this.caCertPem = ca.certPem;
        const issue = (spec: CertSpec): SecretFiles => {
            const key = new tls.PrivateKey(`${spec.name}-key`, { ...CRDB_KEY }, { parent: this });
            const csr = new tls.CertRequest(
                `${spec.name}-csr`,
                { privateKeyPem: key.privateKeyPem, subject: spec.subject, dnsNames: spec.dnsNames, ipAddresses: spec.ipAddresses },
                { parent: this },
            );
            const cert = new tls.LocallySignedCert(
                spec.name,
                {
                    certRequestPem: csr.certRequestPem,
                    caPrivateKeyPem: caKey.privateKeyPem,
                    caCertPem: ca.certPem,
                    allowedUses: spec.allowedUses,
                    validityPeriodHours: spec.validityHours,
                },
                { parent: this },
            );
            return platform.secretFiles(
                {
                    name: spec.secretName!,
                    component: "cockroachdb-certs",
                    files: { "ca.crt": ca.certPem, [spec.certFile]: cert.certPem, [spec.keyFile]: pulumi.secret(key.privateKeyPem) },
                    version: pulumi.all([ca.certPem, cert.certPem]).apply(([a, b]) => contentHash(`${a}\0${b}`, 16)),
                },
                this,
            );
        };
        this.nodeSecret = issue(plan.node);
        this.clientSecrets = Object.fromEntries(plan.clients.map((c) => [c.subject.commonName, issue(c)]));
        this.registerOutputs({ caCertPem: this.caCertPem });
    }

    /** The node certs directory, as nodes mount it. */
    nodeMount(): SecretMount {
        return { secret: this.nodeSecret, mountPath: CRDB_CERTS_DIR, mode: CRDB_CERT_FILE_MODE };
    }

    /**
     * A user's client certs directory.
     * @throws Error when the plan issued no certificate for `user`.
     */
    clientMount(user: string, mountPath = CRDB_CERTS_DIR, mode = CRDB_CERT_FILE_MODE): SecretMount {
        const secret = this.clientSecrets[user];
        if (!secret) throw new Error(`no client certificate for SQL user "${user}"; issued: ${Object.keys(this.clientSecrets).join(", ")}`);
        return { secret, mountPath, mode };
    }
}
