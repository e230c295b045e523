/**
 * A count with its noun, singular for exactly one: every message that counts things says it the
 * same way. plural(1, "process", "processes") === "1 process"; plural(0, "region") === "0 regions"
 */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
