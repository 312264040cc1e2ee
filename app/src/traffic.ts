/**
 * Generated traffic: the background load and the "viral" spike. Both pace requests open-loop
 * (request i is due at `start + i / rps`, whatever earlier ones took), pick login or search by
 * the mix with a smooth weighted round-robin (deterministic: a 1:4 mix gives exactly 1 login per
 * 5 requests), and send them through the app's own handlers. The controls (load, readers,
 * writers) switch generated and direct traffic alike.
 */
import { z } from "zod";

/** The two request kinds generated traffic sends. */
export type Kind = "login" | "search";

/** Relative weights of the kinds, e.g. `{login: 1, search: 4}`. */
export type Mix = Record<Kind, number>;

/** Default mix: searches outnumber logins four to one. */
export const DEFAULT_MIX: Mix = { login: 1, search: 4 };

/** Requests of one spike allowed in flight at once; beyond it a due request is dropped (counted). */
export const SPIKE_MAX_IN_FLIGHT = 256;

/** Guardrails of `POST /spike`, from the app's settings. */
export interface SpikeLimits {
    maxSeconds: number;
    maxRps: number;
}

/**
 * The `POST /spike` body: `seconds` 1..maxSeconds (default 10), `rps` 1..maxRps (default 20),
 * `mix.login` and `mix.search` 0..100 (defaults 1 and 4), not both 0.
 */
export function spikeSchema(limits: SpikeLimits) {
    const int = (lo: number, hi: number) => {
        const error = `expected an integer ${lo}..${hi}`;
        return z.int({ error }).min(lo, { error }).max(hi, { error });
    };
    const weight = z
        .number({ error: "expected a number 0..100" })
        .min(0, { error: "expected a number 0..100" })
        .max(100, { error: "expected a number 0..100" });
    return z.strictObject({
        seconds: int(1, limits.maxSeconds).default(10),
        rps: int(1, limits.maxRps).default(20),
        mix: z
            .strictObject({ login: weight.default(DEFAULT_MIX.login), search: weight.default(DEFAULT_MIX.search) })
            .refine((m) => m.login + m.search > 0, { error: "expected login + search > 0" })
            .prefault({}),
    });
}

/** A parsed spike request. */
export type SpikeRequest = z.infer<ReturnType<typeof spikeSchema>>;

/** Deterministic weighted choice (smooth weighted round-robin, as nginx's upstream balancer). */
export class MixPicker {
    private readonly credit: Record<Kind, number> = { login: 0, search: 0 };
    constructor(private readonly mix: Mix) {}

    next(): Kind {
        const total = this.mix.login + this.mix.search;
        this.credit.login += this.mix.login;
        this.credit.search += this.mix.search;
        const pick: Kind = this.credit.login >= this.credit.search ? "login" : "search";
        this.credit[pick] -= total;
        return pick;
    }
}

/** What a pacer did. */
export interface PacerStats {
    sent: number;
    /** Due while the kind was switched off by a control. */
    skipped: number;
    /** Due while too many were in flight. */
    dropped: number;
    inFlight: number;
}

/**
 * Sends `total` requests (or until stopped) at `rps`, open-loop.
 * Wakes at most every 20 ms and sends everything due, so timer jitter does not lose requests.
 */
export class Pacer {
    readonly stats: PacerStats = { sent: 0, skipped: 0, dropped: 0, inFlight: 0 };
    readonly startedAt = Date.now();
    private timer?: NodeJS.Timeout;
    private due = 0;
    private readonly picker: MixPicker;
    /** Resolves when every request is sent and answered, or the pacer is stopped. */
    readonly done: Promise<void>;
    private finish!: () => void;

    constructor(
        readonly rps: number,
        readonly total: number,
        mix: Mix,
        private readonly send: (kind: Kind) => Promise<unknown>,
        private readonly allowed: (kind: Kind) => boolean,
        private readonly maxInFlight: number,
        private readonly onInFlight: (n: number) => void = () => {},
    ) {
        this.picker = new MixPicker(mix);
        this.done = new Promise((resolve) => (this.finish = resolve));
        this.tick();
    }

    /** True until every request was sent (a stopped pacer is not running). */
    get running(): boolean {
        return this.timer !== undefined;
    }

    /** Stops sending; requests in flight finish on their own. */
    stop(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        this.finish();
    }

    private tick = () => {
        const elapsed = Date.now() - this.startedAt;
        for (; this.due < this.total && (this.due * 1000) / this.rps <= elapsed; this.due++) {
            const kind = this.picker.next();
            if (!this.allowed(kind)) this.stats.skipped++;
            else if (this.stats.inFlight >= this.maxInFlight) this.stats.dropped++;
            else this.fire(kind);
        }
        if (this.due >= this.total) {
            this.timer = undefined;
            if (!this.stats.inFlight) this.finish();
            return;
        }
        const wait = Math.max(1, Math.min(20, (this.due * 1000) / this.rps - elapsed));
        this.timer = setTimeout(this.tick, wait);
    };

    private fire(kind: Kind) {
        this.stats.sent++;
        this.onInFlight(++this.stats.inFlight);
        this.send(kind)
            .catch(() => undefined)
            .finally(() => {
                this.onInFlight(--this.stats.inFlight);
                if (!this.timer && this.due >= this.total && !this.stats.inFlight) this.finish();
            });
    }
}

/** The live page's switches. */
export interface Controls {
    /** Background load running. */
    load: boolean;
    /** `GET /search` served (generated and direct). */
    readers: boolean;
    /** `POST /login` served (generated and direct). */
    writers: boolean;
    /** Background load rate, requests per second. */
    loadRps: number;
}

/** The `POST /controls` body: any subset of the switches. */
export function controlsSchema(maxRps: number) {
    const error = `expected an integer 1..${maxRps}`;
    return z.strictObject({
        load: z.boolean({ error: "expected true or false" }).optional(),
        readers: z.boolean({ error: "expected true or false" }).optional(),
        writers: z.boolean({ error: "expected true or false" }).optional(),
        loadRps: z.int({ error }).min(1, { error }).max(maxRps, { error }).optional(),
    });
}

/** Gauges the traffic keeps current. */
export interface TrafficGauges {
    spikeWorkers(n: number): void;
    spikeTargetRps(n: number): void;
    loadTargetRps(n: number): void;
    control(name: "load" | "readers" | "writers", on: boolean): void;
}

/** Background load, spikes and the controls. */
export class Traffic {
    readonly controls: Controls;
    private load?: Pacer;
    private spike?: { pacer: Pacer; request: SpikeRequest };

    constructor(
        private readonly send: (kind: Kind) => Promise<unknown>,
        private readonly gauges: TrafficGauges,
        initial: Controls,
    ) {
        this.controls = { ...initial, load: false };
        this.apply({ load: initial.load, readers: initial.readers, writers: initial.writers });
    }

    /** Whether a kind is switched on. */
    allowed = (kind: Kind): boolean => (kind === "login" ? this.controls.writers : this.controls.readers);

    /** Applies any subset of the switches; (re)starts or stops the background load. */
    apply(change: Partial<Controls>): Controls {
        const rpsChanged = change.loadRps !== undefined && change.loadRps !== this.controls.loadRps;
        Object.assign(this.controls, Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)));
        if (this.load && (!this.controls.load || rpsChanged)) {
            this.load.stop();
            this.load = undefined;
        }
        if (this.controls.load && !this.load) {
            this.load = new Pacer(this.controls.loadRps, Infinity, DEFAULT_MIX, this.send, this.allowed, 64);
        }
        this.gauges.loadTargetRps(this.controls.load ? this.controls.loadRps : 0);
        for (const name of ["load", "readers", "writers"] as const) this.gauges.control(name, this.controls[name]);
        return this.controls;
    }

    /**
     * Starts a spike.
     * @returns false when one is already running (the caller answers 409).
     */
    startSpike(request: SpikeRequest): boolean {
        if (this.spike?.pacer.running) return false;
        const pacer = new Pacer(
            request.rps,
            request.seconds * request.rps,
            request.mix,
            this.send,
            this.allowed,
            SPIKE_MAX_IN_FLIGHT,
            (n) => this.gauges.spikeWorkers(n),
        );
        this.spike = { pacer, request };
        this.gauges.spikeTargetRps(request.rps);
        void pacer.done.then(() => {
            if (this.spike?.pacer === pacer) this.gauges.spikeTargetRps(0);
        });
        return true;
    }

    /** Stops the running spike, if any. */
    stopSpike(): void {
        this.spike?.pacer.stop();
        this.gauges.spikeTargetRps(0);
    }

    /** Resolves when the current spike has finished (immediately when none). */
    spikeDone(): Promise<void> {
        return this.spike?.pacer.done ?? Promise.resolve();
    }

    /** What `GET /state` shows of the traffic. */
    state() {
        const spike = this.spike && {
            ...this.spike.request,
            running: this.spike.pacer.running,
            startedAt: new Date(this.spike.pacer.startedAt).toISOString(),
            ...this.spike.pacer.stats,
        };
        return { controls: { ...this.controls }, load: this.load ? { ...this.load.stats } : undefined, spike };
    }

    /** Stops everything. */
    close(): void {
        this.load?.stop();
        this.spike?.pacer.stop();
    }
}
