/**
 * Checks a JSON policy against grammar/policy.schema.json with ajv and turns each violation into a
 * MOAT111 at the node its JSON pointer designates, the pointer leading the message. ajv's wording is
 * kept where it is clear and replaced where it is not (which properties are allowed, which values).
 */
import { createRequire } from "node:module";
import type { ErrorObject, ValidateFunction } from "ajv";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { escapePointerToken, nodeAtPointer, nodeSpan, propertyValue, type JsonNode } from "./json-tree.js";
import { POLICY_SCHEMA } from "./policy-schema.generated.js";
import { RUN_UNCONFINED_HINT } from "../syntax/parse-errors.js";

const NAME_PATTERN = POLICY_SCHEMA.definitions.name.pattern;
const RESOURCE_KINDS = ["volume", "device", "socket", "read", "run", "firmware", "kernel", "initrd", "dtb", "nvram", "serial", "log", "share"];

let cached: ValidateFunction | undefined;

/**
 * The compiled schema: compiled once, on first use, and kept for the process. ajv itself is loaded only
 * then (it is CommonJS, so synchronously): most compiles read no JSON policy, and loading ajv's modules
 * cost every run of the command line about 50 ms.
 */
export function policyValidator(): ValidateFunction {
  if (cached === undefined) {
    const { Ajv } = createRequire(import.meta.url)("ajv") as typeof import("ajv");
    // verbose: errors carry their parent schema, which lists the properties allowed where one is unknown.
    cached = new Ajv({ allErrors: true, strict: true, discriminator: true, verbose: true }).compile(POLICY_SCHEMA);
  }
  return cached;
}

export function validatePolicyJson(file: string, root: JsonNode, value: unknown): Diagnostic[] {
  const validate = policyValidator();
  if (validate(value)) return [];
  const diagnostics = (validate.errors ?? []).map((error) => violation(file, root, error));
  return diagnostics.sort((a, b) => a.span!.start - b.span!.start || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
}

function violation(file: string, root: JsonNode, error: ErrorObject): Diagnostic {
  let pointer = error.instancePath;
  let node = nodeAtPointer(root, pointer);
  let detail = error.message ?? "is not valid here";
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      pointer = `${pointer}/${escapePointerToken(key)}`;
      node = keyNode(node, key) ?? node;
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      detail = `unknown property; allowed here: ${allowed.join(", ")}`;
      break;
    }
    case "enum":
      detail = `must be one of ${listValues((error.params as { allowedValues: unknown[] }).allowedValues)}`;
      // The mode AppArmor calls Ux: operators look for it, and should learn why it is not there.
      if (error.data === "unconfined" && pointer.endsWith("/mode") && pointer.includes("/resources/")) detail += `: ${RUN_UNCONFINED_HINT}`;
      break;
    case "const":
      detail = `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`;
      break;
    case "pattern":
      if ((error.params as { pattern: string }).pattern === NAME_PATTERN) {
        detail = "must be a name: a letter, then letters, digits, '_' or '-', at most 64 characters";
      }
      break;
    case "discriminator": {
      // The tag selects the resource's shape; a missing or unknown kind is reported at the kind itself.
      const kind = node.type === "object" ? propertyValue(node, "kind") : undefined;
      if (kind === undefined) {
        detail = "must have required property 'kind'";
      } else {
        pointer = `${pointer}/kind`;
        node = kind;
        detail = `must be one of ${listValues(RESOURCE_KINDS)}`;
      }
      break;
    }
  }
  return diagnostic("MOAT111", nodeSpan(file, node), { pointer: pointer === "" ? "(root)" : pointer, detail });
}

function keyNode(object: JsonNode, key: string): JsonNode | undefined {
  if (object.type !== "object") return undefined;
  return object.children?.find((p) => p.children?.[0]?.value === key)?.children?.[0];
}

function listValues(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(", ");
}
