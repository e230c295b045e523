/**
 * Secrets in command lines and environments, replaced by "[redacted]" before they leave the
 * machine through the HTTP API. A best effort with no false negatives on the listed forms:
 * `--password=…`-style arguments (and the argument after a bare `--password`), `name=value` pairs
 * and environment variables whose name looks secret, URLs with a password, and values in a known
 * secret format (AWS access keys, private key headers, GitHub tokens, JWTs) wherever they appear.
 */

import { findSecrets } from "../audit/secrets.js";

export const REDACTED = "[redacted]";

/** Names that say their value is a secret: *PASS*, *SECRET*, *TOKEN*, *KEY*, *CREDENTIAL*, *AUTH*. */
const SECRET_NAME = /pass|secret|token|key|credential|auth/i;

/**
 * Options whose value is a secret: the name ends in one of the words (`--password`, `--api-key`,
 * `token=`), so `--token-file PATH` or `--keyring-dir DIR` keep their (non-secret) values.
 */
const SECRET_OPTION = /(pass|passwd|password|passphrase|secret|token|key|credentials?|auth)$/i;

/**
 * scheme://user:PASSWORD@host. The scheme's length is bounded: with `*`, every letter of a long
 * run without "://" started a scan to the run's end, and a 100 KB base64 argument took 30 s to
 * redact, on every snapshot of the event stream (a longer scheme still matches, on its last 32
 * characters, and the replacement keeps what comes before).
 */
const URL_PASSWORD = /([a-z][a-z0-9+.-]{0,31}:\/\/[^/\s:@]+:)[^@\s/]+@/gi;

/**
 * True if the value holds a known secret format (the formats live in audit/secrets.ts, shared
 * with the audit rules and capture). looksLikeSecret("AKIAIOSFODNN7EXAMPLE") === true
 */
export function looksLikeSecret(value: string): boolean {
  return findSecrets(value).some((match) => match.kind !== "url-credentials");
}

/** True if a variable or option name says it holds a secret. secretName("DB_PASSWORD") === true */
export function secretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** The option name of "--password=x", "-token=x", "password=x" ("password"), or null. */
function optionName(arg: string): string | null {
  const match = /^-{0,2}([A-Za-z0-9_.-]+)=/.exec(arg);
  return match ? (match[1] as string) : null;
}

/**
 * A command line with its secrets replaced.
 * redactCmdline(["mysql", "--password=hunter2", "-u", "root"]) → ["mysql", "--password=[redacted]", "-u", "root"]
 */
export function redactCmdline(argv: readonly string[]): { argv: string[]; redacted: boolean } {
  let redacted = false;
  const out: string[] = [];
  let nextIsSecret = false;
  for (const arg of argv) {
    if (nextIsSecret) {
      nextIsSecret = false;
      out.push(REDACTED);
      redacted = true;
      continue;
    }
    const name = optionName(arg);
    if (name !== null && SECRET_OPTION.test(name)) {
      out.push(`${arg.slice(0, arg.indexOf("=") + 1)}${REDACTED}`);
      redacted = true;
      continue;
    }
    if (/^--?[A-Za-z0-9_-]+$/.test(arg) && SECRET_OPTION.test(arg.replace(/^-+/, ""))) nextIsSecret = true;
    if (looksLikeSecret(arg)) {
      out.push(REDACTED);
      redacted = true;
      continue;
    }
    const withoutUrlPassword = arg.replace(URL_PASSWORD, `$1${REDACTED}@`);
    if (withoutUrlPassword !== arg) redacted = true;
    out.push(withoutUrlPassword);
  }
  return { argv: out, redacted };
}

/**
 * An environment with secret-named and secret-looking values replaced.
 * redactEnviron({ HOME: "/root", AWS_SECRET_ACCESS_KEY: "x" }) → { HOME: "/root", AWS_SECRET_ACCESS_KEY: "[redacted]" }
 */
export function redactEnviron(environ: Readonly<Record<string, string>>): { environ: Record<string, string>; redacted: boolean } {
  let redacted = false;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(environ)) {
    if (secretName(name) || looksLikeSecret(value)) {
      out[name] = REDACTED;
      redacted = true;
      continue;
    }
    const withoutUrlPassword = value.replace(URL_PASSWORD, `$1${REDACTED}@`);
    if (withoutUrlPassword !== value) redacted = true;
    out[name] = withoutUrlPassword;
  }
  return { environ: out, redacted };
}
