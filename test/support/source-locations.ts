/**
 * moat-grants.json names the policy line of every grant (file, line, column), which a formatter or the
 * JSON form of the same policy legitimately moves. Tests that compare two compiles of one policy
 * compare it without them; everything else in it stays compared.
 */
export function withoutSourceLocations(json: string): string {
  return JSON.stringify(
    JSON.parse(json, (key, value: unknown) => (key === "file" || key === "line" || key === "column" ? undefined : value)),
    null,
    2,
  );
}
