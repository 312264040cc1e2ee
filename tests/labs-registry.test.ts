/**
 * labs/index.ts is the one list of labs: every folder under labs/ is registered, every
 * registered lab parses a config of its own, and Pulumi.yaml's description of `lab` names
 * exactly the registered labs (a lab added to the registry and not to Pulumi.yaml fails here).
 */
import * as assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { LABS } from "../components/config";
import { LAB_DEFINITIONS } from "../labs";
import { ROOT } from "./support/evaluate";

describe("the registry of labs", () => {
    it("registers every folder under labs/, and nothing else", () => {
        const folders = readdirSync(join(ROOT, "labs"), { withFileTypes: true })
            .filter((d) => d.isDirectory())
            .map((d) => d.name)
            .sort();
        assert.deepEqual([...LABS].sort(), folders);
        assert.equal(LAB_DEFINITIONS.length, 5, "tikv, crdb, etcd, cdc, appcluster");
    });

    it("Pulumi.yaml's description of `lab` names exactly the registered labs", () => {
        const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8"));
        const description: string = project.config.lab.description;
        const listed = (/- (.*)\.$/.exec(description)?.[1] ?? "").split(/, | or /).map((s) => s.trim());
        assert.deepEqual(listed, [...LABS], `Pulumi.yaml lab description: ${description}`);
    });

    it("each lab's schema declares its own `lab` literal", () => {
        for (const lab of LAB_DEFINITIONS) {
            const shape = lab.schema.shape as { lab: { value: string } };
            assert.equal(shape.lab.value, lab.name);
        }
    });
});
