/**
 * The server's access token: 256 random bits, base64url, kept in a file of mode 0600 so a restart
 * prints the same URL. A file others may read is refused rather than trusted or silently fixed.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { InvalidArgument } from "../errors.js";

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{22,}$/;

/** A fresh token: 32 random bytes as base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * The token in `file`, created (with its directory, mode 0700) if absent or empty.
 * loadOrCreateToken("/run/user/1000/procscope/serve-token") → "k3J…"
 */
export function loadOrCreateToken(file: string): { token: string; created: boolean } {
  let text: string | undefined;
  try {
    const stat = fs.statSync(file);
    if ((stat.mode & 0o077) !== 0)
      throw new InvalidArgument(`token file "${file}" may be read by other users (mode ${(stat.mode & 0o777).toString(8)}): make it 0600`);
    if (stat.uid !== (process.getuid?.() ?? stat.uid))
      throw new InvalidArgument(`token file "${file}" belongs to another user (uid ${stat.uid})`);
    text = fs.readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (text !== undefined && text !== "") {
    if (!TOKEN_PATTERN.test(text))
      throw new InvalidArgument(`token file "${file}" does not hold a token (at least 22 base64url characters)`);
    return { token: text, created: false };
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const token = newToken();
  // Written to a private temporary file, then renamed: never a moment with the token readable.
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${token}\n`, { mode: 0o600, flag: "wx" });
  fs.renameSync(temporary, file);
  return { token, created: true };
}

/** Compares in constant time (a mismatch in the first byte takes as long as one in the last). */
export function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
