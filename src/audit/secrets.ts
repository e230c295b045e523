/**
 * Secret formats and their redaction: the one place that knows what a credential looks like.
 * Used by the audit rules (secret-in-environ, secret-in-memory), by `capture` (environ is stored
 * redacted unless asked otherwise) and by the HTTP server (environ and command lines it shows).
 *
 * Redaction keeps the first and last characters only (`AKIA…XYZ`): enough to tell two keys apart
 * or to find the key in a vault, never enough to use it. A redacted value is written as a marker,
 * `[redacted KIND AKIA…XYZ]`, so a capture read back still says what was there.
 *
 * Known false positives: any value under a name like `*TOKEN*` or `*PASSWORD*` (CI tokens that are
 * meant to be there, `PASSWORD_STORE_DIR` is excluded but other path-like names may not be);
 * random base62 strings that happen to start like a token prefix.
 */

export type SecretKind =
  | "aws-access-key-id"
  | "aws-secret-access-key"
  | "private-key"
  | "github-token"
  | "gitlab-token"
  | "slack-token"
  | "slack-webhook"
  | "jwt"
  | "url-credentials"
  | "secret-name";

export interface SecretPattern {
  readonly kind: SecretKind;
  /** Matches the secret itself (no flags; callers add "g"). */
  readonly source: string;
}

/**
 * Formats recognised in any text (environ values, memory). The AWS secret access key has no
 * format of its own (40 base64 characters), so it is recognised by the name next to it.
 */
export const SECRET_PATTERNS: readonly SecretPattern[] = [
  { kind: "aws-access-key-id", source: String.raw`\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b` },
  {
    kind: "aws-secret-access-key",
    source: String.raw`(?:aws_secret_access_key|AWS_SECRET_ACCESS_KEY)["']?\s*[=:]\s*["']?[A-Za-z0-9/+]{40}\b`,
  },
  { kind: "private-key", source: String.raw`-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----` },
  { kind: "github-token", source: String.raw`\b(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,242})\b` },
  { kind: "gitlab-token", source: String.raw`\bgl(?:pat|dt|rt|ptt|cbt|ft|oas)-[A-Za-z0-9_-]{20,64}\b` },
  { kind: "slack-token", source: String.raw`\bxox[abposre]-[A-Za-z0-9-]{10,250}\b` },
  { kind: "slack-webhook", source: String.raw`https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]{20,}` },
  { kind: "jwt", source: String.raw`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*` }, // unsigned (alg none) tokens have an empty signature
  { kind: "url-credentials", source: String.raw`\b[a-z][a-z0-9+.-]{1,15}://[^\s:@/"']{1,64}:[^\s@/"']{1,128}@` },
];

/** Names whose value is a credential whatever it looks like. */
const SECRET_NAME = /(PASSW(?:OR)?D|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH_?KEY|SESSION_?KEY)/i;
/** ...unless the name says the value is where the secret is, not the secret. */
const NOT_A_SECRET_NAME = /(_FILE|_PATH|_DIR|_SOCK|_URL|_ENDPOINT|_COMMAND|_CMD|_HELPER|_ID|_TYPE|_NAME)$/i;

export interface SecretMatch {
  readonly kind: SecretKind;
  readonly start: number;
  readonly end: number;
  /** The matched text. Never print it: pass it to redactSecret. */
  readonly value: string;
}

let combined: RegExp | undefined;

/** One regular expression with a named group per format (used for memory scans too). */
export function secretsRegexSource(): string {
  return SECRET_PATTERNS.map((p, i) => `(?<s${i}>${p.source})`).join("|");
}

function combinedRegex(): RegExp {
  combined ??= new RegExp(secretsRegexSource(), "g");
  return combined;
}

/** The kind of a match of `secretsRegexSource()`, from which group matched. */
export function kindOfMatch(match: RegExpExecArray): SecretKind {
  const groups = match.groups ?? {};
  for (let i = 0; i < SECRET_PATTERNS.length; i++) if (groups[`s${i}`] !== undefined) return (SECRET_PATTERNS[i] as SecretPattern).kind;
  return classifySecret(match[0]) ?? "secret-name";
}

/** The kind of one string matched by the combined pattern (memory matches come without groups). */
export function classifySecret(text: string): SecretKind | null {
  for (const p of SECRET_PATTERNS) if (new RegExp(p.source).test(text)) return p.kind;
  return null;
}

/**
 * Every secret-looking string in a text.
 * findSecrets("key AKIAIOSFODNN7EXAMPLE")[0].kind === "aws-access-key-id"
 */
export function findSecrets(text: string): SecretMatch[] {
  const regex = combinedRegex();
  regex.lastIndex = 0;
  const found: SecretMatch[] = [];
  for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
    found.push({ kind: kindOfMatch(m), start: m.index, end: m.index + m[0].length, value: m[0] });
    if (m[0].length === 0) regex.lastIndex++;
  }
  return found;
}

/** True when a variable's name says its value is a credential (`DB_PASSWORD`, `GITHUB_TOKEN`). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_A_SECRET_NAME.test(name);
}

/**
 * Why an environment variable looks like a credential: the format of its value first, then its
 * name; null when it does not. Empty values and values already redacted are not secrets.
 * secretKindOfVariable("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE") === "aws-access-key-id"
 */
export function secretKindOfVariable(name: string, value: string): SecretKind | null {
  if (value === "" || isRedacted(value)) return null;
  const byFormat = findSecrets(`${name}=${value}`).find((m) => m.end > name.length + 1);
  if (byFormat) return byFormat.kind;
  return isSecretName(name) ? "secret-name" : null;
}

/**
 * A secret shortened to its first and last characters: `AKIA…XYZ`. Short values keep less
 * (one character each side), very short ones nothing. A private key keeps its header line only.
 */
export function redactSecret(value: string, kind?: SecretKind): string {
  if (kind === "private-key" || value.startsWith("-----BEGIN")) {
    const header = /^-----BEGIN [A-Z0-9 ]*-----/.exec(value);
    return header ? `${header[0]}…` : "…";
  }
  if (kind === "url-credentials") {
    // scheme://user:password@ → scheme://user:…@
    const at = value.lastIndexOf("@");
    const colon = value.lastIndexOf(":", at);
    return colon > 0 && at > colon ? `${value.slice(0, colon + 1)}…@` : "…";
  }
  if (value.length < 8) return "…";
  if (value.length < 16) return `${value.slice(0, 1)}…${value.slice(-1)}`;
  return `${value.slice(0, 4)}…${value.slice(-3)}`;
}

const MARKER = /^\[redacted ([a-z-]+) (.*)\]$/;

/** The marker a redacted value is replaced by: `[redacted aws-access-key-id AKIA…XYZ]`. */
export function redactedMarker(kind: SecretKind, value: string): string {
  return `[redacted ${kind} ${redactSecret(value, kind)}]`;
}

/** True for a value written by redactedMarker. */
export function isRedacted(value: string): boolean {
  return MARKER.test(value);
}

/** The kind and redacted text of a marker, or null. */
export function parseRedactedMarker(value: string): { kind: SecretKind; redacted: string } | null {
  const m = MARKER.exec(value);
  return m ? { kind: m[1] as SecretKind, redacted: m[2] as string } : null;
}

/**
 * Every secret inside a text replaced by its marker (command lines, any free text).
 * redactText("curl -H 'x: ghp_…'") keeps everything but the token.
 */
export function redactText(text: string): string {
  const found = findSecrets(text);
  if (found.length === 0) return text;
  let out = "";
  let at = 0;
  for (const m of found) {
    out += text.slice(at, m.start) + redactedMarker(m.kind, m.value);
    at = m.end;
  }
  return out + text.slice(at);
}

/**
 * An environment with every credential-looking value replaced by its marker; other values are
 * kept, with any secret inside them redacted (a URL with a password in the middle).
 * redactEnviron({ AWS_SECRET_ACCESS_KEY: "…40 chars…", HOME: "/root" }).HOME === "/root"
 */
export function redactEnviron(env: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(env)) {
    const kind = secretKindOfVariable(name, value);
    out[name] = kind === null ? value : kind === "url-credentials" ? redactText(value) : redactedMarker(kind, value);
  }
  return out;
}

/** The same for the raw bytes of /proc/PID/environ (NUL-separated NAME=value), keeping its layout. */
export function redactEnvironBytes(bytes: Uint8Array): Buffer {
  const text = Buffer.from(bytes).toString("latin1");
  const parts = text.split("\0").map((entry) => {
    const eq = entry.indexOf("=");
    if (eq <= 0) return entry;
    // Work on the UTF-8 text so markers keep whole characters; write back as UTF-8.
    const name = Buffer.from(entry.slice(0, eq), "latin1").toString("utf8");
    const value = Buffer.from(entry.slice(eq + 1), "latin1").toString("utf8");
    const redacted = redactEnviron({ [name]: value })[name] as string;
    return redacted === value ? entry : `${entry.slice(0, eq + 1)}${Buffer.from(redacted, "utf8").toString("latin1")}`;
  });
  return Buffer.from(parts.join("\0"), "latin1");
}
