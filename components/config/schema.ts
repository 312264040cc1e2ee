/** Reading a zod schema and a config tree: values at a path, fields of an object schema, keys allowed at a path. */
import { z } from "zod";

/** The value at `path` in a config tree (`["pd", "members"]` or `"pd.members"`); undefined when absent. */
export function valueAt(root: unknown, path: PropertyKey[] | string): unknown {
    if (typeof path === "string") path = path.split(".");
    let cur: unknown = root;
    for (const key of path) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<PropertyKey, unknown>)[key as string];
    }
    return cur;
}

/** zod wrappers that hold one inner schema (`.default()`, `.optional()`, `.prefault()`, …). */
const WRAPPERS = new Set(["default", "prefault", "optional", "nullable", "readonly", "catch", "nonoptional"]);

/** The schema under its wrappers. */
export function unwrap(schema: z.ZodType): z.ZodType {
    let cur = schema as z.ZodType & { _zod: { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } } };
    for (let i = 0; i < 20 && WRAPPERS.has(cur._zod.def.type); i++) cur = cur._zod.def.innerType as typeof cur;
    if (cur._zod.def.type === "pipe" && cur._zod.def.in) return unwrap(cur._zod.def.in);
    return cur;
}

/** The field schemas of an object schema, or undefined for anything else (records, scalars). */
export function fieldsOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
    const inner = unwrap(schema) as z.ZodType & { _zod: { def: { type: string; shape?: Record<string, z.ZodType> } } };
    return inner._zod.def.type === "object" ? inner._zod.def.shape : undefined;
}

/** The allowed keys of a record whose key schema is an enum (`failpoints:` keyed by scenario); undefined otherwise. */
function enumKeysOf(schema: z.ZodType): string[] | undefined {
    const inner = unwrap(schema) as z.ZodType & { _zod: { def: { type: string; keyType?: z.ZodType } } };
    if (inner._zod.def.type !== "record" || !inner._zod.def.keyType) return undefined;
    const key = unwrap(inner._zod.def.keyType) as z.ZodType & { _zod: { def: { type: string; entries?: Record<string, string> } } };
    return key._zod.def.type === "enum" ? Object.values(key._zod.def.entries ?? {}) : undefined;
}

/** Keys allowed at `path` (the union over `schemas`): an object's fields or an enum-keyed record's keys; undefined when `path` is neither. */
export function keysAt(schemas: z.ZodType[], path: PropertyKey[]): string[] | undefined {
    const keys = new Set<string>();
    let found = false;
    for (const root of schemas) {
        let fields = fieldsOf(root);
        let last: z.ZodType | undefined = root;
        for (const key of path) {
            last = fields?.[key as string];
            fields = last ? fieldsOf(last) : undefined;
        }
        const enumKeys = !fields && last && path.length ? enumKeysOf(last) : undefined;
        if (fields || enumKeys) {
            found = true;
            for (const k of fields ? Object.keys(fields) : enumKeys!) keys.add(k);
        }
    }
    return found ? [...keys].sort() : undefined;
}
