/**
 * Progress lines for long steps: `[lab 12s] up phase1: 14 of 51 steps done, last: update StatefulSet/crdb`.
 * A line per engine step announcement would flood a CI log; a heartbeat every `everyMs` says the
 * run is alive and where it is.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { shortName } from "./events";

const started = Date.now();

/** Prints one progress line to stderr, prefixed with seconds since the runner started. */
export function say(message: string): void {
    process.stderr.write(`[lab ${Math.round((Date.now() - started) / 1000)}s] ${message}\n`);
}

/** A heartbeat for one engine operation; feed it events, stop it when the operation ends. */
export class Heartbeat {
    private announced = 0;
    private done = 0;
    private last = "";
    private readonly timer: NodeJS.Timeout;

    /** @param label what runs, e.g. `preview phase1`; @param everyMs interval between lines (ms). */
    constructor(
        private readonly label: string,
        everyMs = 10_000,
    ) {
        say(`${label}: started`);
        this.timer = setInterval(
            () => say(`${this.label}: ${this.announced} steps announced, ${this.done} resources done${this.last}`),
            everyMs,
        );
        this.timer.unref();
    }

    /** Counts announced and finished steps. */
    readonly onEvent = (event: EngineEvent): void => {
        if (event.resourcePreEvent) {
            this.announced++;
            const m = event.resourcePreEvent.metadata;
            if (m.op !== "same") this.last = `, last: ${m.op} ${shortName(m.urn)}`;
        }
        if (event.resOutputsEvent) this.done++;
    };

    /** Stops the heartbeat and prints how long the step took. */
    stop(outcome: string): void {
        clearInterval(this.timer);
        say(`${this.label}: ${outcome}`);
    }
}
