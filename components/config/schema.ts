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


/** Keys allowed at `path` (the union over `schemas`); undefined when `path` is not an object. */
export function keysAt(schemas: z.ZodType[], path: PropertyKey[]): string[] | undefined {
    const keys = new Set<string>();
    let found = false;
    for (const root of schemas) {
        let fields = fieldsOf(root);
        for (const key of path) fields = fields && fields[key as string] ? fieldsOf(fields[key as string]) : undefined;
        if (fields) {
            found = true;
            for (const k of Object.keys(fields)) keys.add(k);
        }
    }
    return found ? [...keys].sort() : undefined;
}


