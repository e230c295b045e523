/**
 * Names, paths and command lines come from whoever started the process: they are bytes, may be
 * invalid UTF-8, and may hold newlines or terminal escape sequences.
 */

import { utf8Text } from "./procfs/_text.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes bytes as UTF-8; invalid sequences become `\xNN` so nothing is lost silently.
 * decodeBytes(Uint8Array.of(0x61, 0xff)) === "a\\xff"
 */
export function decodeBytes(bytes: Uint8Array): string {
  const text = utf8Text(bytes);
  // U+FFFD marks invalid input (or a literal U+FFFD, which the strict decoder keeps as is).
  if (!text.includes("\uFFFD")) return text;
  try {
    return utf8.decode(bytes);
  } catch {
    return decodeLossy(bytes);
  }
}

/**
 * The bytes in base64 when they are not valid UTF-8 (decodeBytes then wrote `\xNN`, which a
 * real backslash could also have written), else null: the twin that keeps them recoverable.
 * rawBase64IfInvalid(Uint8Array.of(0x61, 0xff)) === "Yf8="; rawBase64IfInvalid(Uint8Array.of(0x61)) === null
 */
export function rawBase64IfInvalid(bytes: Uint8Array): string | null {
  if (!utf8Text(bytes).includes("\uFFFD")) return null;
  try {
    utf8.decode(bytes);
    return null;
  } catch {
    // btoa, not Buffer: the parsers' entry (procscope/procfs) imports this file and runs without Node.
    let binary = "";
    for (let i = 0; i < bytes.length; i += 8192) binary += String.fromCharCode(...bytes.subarray(i, i + 8192));
    return btoa(binary);
  }
}

function decodeLossy(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const length = validSequenceLength(bytes, i);
    if (length === 0) {
      out += `\\x${(bytes[i] as number).toString(16).padStart(2, "0")}`;
      i += 1;
    } else {
      out += utf8.decode(bytes.subarray(i, i + length));
      i += length;
    }
  }
  return out;
}

function validSequenceLength(bytes: Uint8Array, at: number): number {
  const first = bytes[at] as number;
  if (first < 0x80) return 1;
  const length = first >= 0xf0 && first <= 0xf4 ? 4 : first >= 0xe0 ? 3 : first >= 0xc2 && first < 0xe0 ? 2 : 0;
  if (length === 0 || at + length > bytes.length) return 0;
  try {
    utf8.decode(bytes.subarray(at, at + length));
    return length;
  } catch {
    return 0;
  }
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Makes text from a target process safe to print on a terminal: control characters (ESC, CR,
 * newline, C1 codes, bidi overrides) become visible escapes, so a process name cannot move the
 * cursor or recolour the screen. Like procps `escape_str`, but shows the code instead of `?`.
 * escapeControl("a\u001b[2Jb") === "a\\x1b[2Jb"
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    switch (c) {
      case "\n":
        return "\\n";
      case "\t":
        return "\\t";
      case "\r":
        return "\\r";
      default: {
        const code = c.charCodeAt(0);
        return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
      }
    }
  });
}
