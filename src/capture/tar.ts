/**
 * A small ustar writer and a careful reader, for captures only: regular files, directories and
 * symlinks, with PAX `path`/`linkpath` records for names longer than ustar holds. About 200 lines
 * instead of a dependency. The reader never trusts the archive: checksums are verified, paths must
 * stay inside the target (no absolute paths, no "..", nothing written through a symlink the
 * archive made), and a truncated archive is an error before anything is extracted.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { InvalidArgument } from "../errors.js";

/** zlib, loaded when a tarball is written or read: every command's `--root` check imports this file. */
const zlib = (): typeof import("node:zlib") => createRequire(import.meta.url)("node:zlib");

const BLOCK = 512;

export type TarEntry =
  | { readonly type: "file"; readonly path: string; readonly data: Buffer; readonly mode?: number }
  | { readonly type: "dir"; readonly path: string }
  | { readonly type: "symlink"; readonly path: string; readonly target: string };

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

function header(name: string, type: string, size: number, mode: number, linkname: string): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, "utf8");
  block.write(octal(mode, 8), 100, "ascii");
  block.write(octal(0, 8), 108, "ascii");
  block.write(octal(0, 8), 116, "ascii");
  block.write(octal(size, 12), 124, "ascii");
  block.write(octal(0, 12), 136, "ascii");
  block.write("        ", 148, "ascii");
  block.write(type, 156, "ascii");
  block.write(linkname, 157, 100, "utf8");
  block.write("ustar\0", 257, "ascii");
  block.write("00", 263, "ascii");
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return block;
}

function padded(data: Buffer): Buffer[] {
  const rest = data.length % BLOCK;
  return rest === 0 ? [data] : [data, Buffer.alloc(BLOCK - rest)];
}

function paxRecord(key: string, value: string): string {
  // "LEN key=value\n" where LEN counts itself.
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

/** The tar bytes (uncompressed) of `entries`. */
export function writeTar(entries: Iterable<TarEntry>): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const name = entry.type === "dir" ? `${entry.path.replace(/\/$/, "")}/` : entry.path;
    const link = entry.type === "symlink" ? entry.target : "";
    let pax = "";
    if (Buffer.byteLength(name) > 99) pax += paxRecord("path", name);
    if (Buffer.byteLength(link) > 99) pax += paxRecord("linkpath", link);
    if (pax !== "") {
      const data = Buffer.from(pax, "utf8");
      parts.push(header("PaxHeader", "x", data.length, 0o644, ""), ...padded(data));
    }
    const shortName = Buffer.byteLength(name) > 99 ? name.slice(0, 90) : name;
    const shortLink = Buffer.byteLength(link) > 99 ? link.slice(0, 90) : link;
    if (entry.type === "file") parts.push(header(shortName, "0", entry.data.length, entry.mode ?? 0o644, ""), ...padded(entry.data));
    else if (entry.type === "dir") parts.push(header(shortName, "5", 0, 0o755, ""));
    else parts.push(header(shortName, "2", 0, 0o777, shortLink));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** Every file, directory and symlink under `dir`, paths relative to it, directories first. */
export function* walkDir(dir: string, prefix = ""): Generator<TarEntry> {
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    const abs = path.join(dir, rel);
    if (entry.isSymbolicLink()) yield { type: "symlink", path: rel, target: fs.readlinkSync(abs) };
    else if (entry.isDirectory()) {
      yield { type: "dir", path: rel };
      yield* walkDir(dir, rel);
    } else if (entry.isFile()) yield { type: "file", path: rel, data: fs.readFileSync(abs) };
  }
}

/** Packs `dir` into a gzip-compressed tar at `file` (which must not exist). */
export function packDirectory(dir: string, file: string): void {
  const gz = zlib().gzipSync(writeTar(walkDir(dir)), { level: 6 });
  fs.writeFileSync(file, gz, { flag: "wx" });
}

function bad(file: string, what: string): InvalidArgument {
  return new InvalidArgument(`"${file}" is not a readable capture archive: ${what}`);
}

function field(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? raw.length : nul).toString("utf8");
}

function octalField(block: Buffer, start: number, length: number, file: string, what: string): number {
  const text = field(block, start, length).trim();
  if (!/^[0-7]*$/.test(text)) throw bad(file, `${what} is not an octal number`);
  return text === "" ? 0 : Number.parseInt(text, 8);
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(data.subarray(at, space).toString("ascii"));
    if (!(length > 0)) break;
    const record = data.subarray(space + 1, at + length - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return out;
}

/** Reads every entry of a tar, checking checksums and sizes; throws InvalidArgument when damaged. */
export function readTar(tar: Buffer, file: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  let pax: Record<string, string> = {};
  let ended = false;
  while (at + BLOCK <= tar.length) {
    const block = tar.subarray(at, at + BLOCK);
    if (block.every((b) => b === 0)) {
      ended = true;
      break;
    }
    const stored = octalField(block, 148, 8, file, "a header checksum");
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
    if (sum !== stored) throw bad(file, `header checksum mismatch at byte ${at} (tampered or damaged)`);
    const size = octalField(block, 124, 12, file, "a size");
    const type = String.fromCharCode(block[156] as number);
    const dataStart = at + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > tar.length) throw bad(file, `truncated: an entry needs ${size} bytes past the end`);
    const data = tar.subarray(dataStart, dataEnd);
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x") {
      pax = parsePax(data);
      continue;
    }
    let name = pax.path ?? field(block, 0, 100);
    const prefix = field(block, 345, 155);
    if (pax.path === undefined && prefix !== "") name = `${prefix}/${name}`;
    const link = pax.linkpath ?? field(block, 157, 100);
    pax = {};
    if (type === "0" || type === "\0") entries.push({ type: "file", path: name, data: Buffer.from(data) });
    else if (type === "5") entries.push({ type: "dir", path: name.replace(/\/$/, "") });
    else if (type === "2") entries.push({ type: "symlink", path: name, target: link });
    else throw bad(file, `entry "${name}" has type "${type}" (only files, directories and symlinks are allowed)`);
  }
  if (!ended) throw bad(file, "truncated: no end-of-archive marker");
  return entries;
}

/** A relative path inside the target, or an error: no absolute paths, no "..", no empty parts. */
function safeRelative(name: string, file: string): string {
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (name.startsWith("/") || parts.length === 0 || parts.some((p) => p === ".."))
    throw bad(file, `entry "${name}" would be written outside the target directory`);
  return parts.join("/");
}

/**
 * What a tarball may unpack to, in memory, before anything is written. A capture of 1090 processes
 * is ~60 MiB of tar (14.5 MiB of text in ~40k entries of 512-byte headers and padding), so 1 GiB is
 * room for some 15 000 processes. Without a cap, 4 MiB of gzipped zeros would have Node hold 4 GiB
 * (its largest buffer) in memory before anything was checked.
 */
export const MAX_UNPACKED_BYTES = 1024 ** 3;

/**
 * Extracts a .tar.gz into `target` (an empty directory). Everything is read and checked before
 * the first write, so a damaged archive leaves nothing behind; no entry is written through a
 * symlink (a symlink is only ever a leaf).
 */
export function extractTarGz(file: string, target: string, options: { readonly maxBytes?: number } = {}): void {
  const maxBytes = options.maxBytes ?? MAX_UNPACKED_BYTES;
  let tar: Buffer;
  try {
    tar = zlib().gunzipSync(fs.readFileSync(file), { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
      throw bad(
        file,
        `it unpacks to more than ${maxBytes % 1024 ** 3 === 0 ? `${maxBytes / 1024 ** 3} GiB` : `${maxBytes} bytes`}, far more than a capture of this size holds (a gzip bomb?); ` +
          "if it is a real capture, extract it yourself (tar -xzf) and give the directory to --root",
      );
    throw bad(file, `not gzip data or truncated (${(error as Error).message})`);
  }
  const entries = readTar(tar, file);
  const symlinks = new Set<string>();
  const planned = entries.map((entry) => ({ ...entry, path: safeRelative(entry.path, file) }));
  for (const entry of planned) {
    const parts = entry.path.split("/");
    for (let i = 1; i < parts.length; i++)
      if (symlinks.has(parts.slice(0, i).join("/"))) throw bad(file, `entry "${entry.path}" would be written through a symlink`);
    if (entry.type === "symlink") symlinks.add(entry.path);
  }
  for (const entry of planned) {
    const abs = path.join(target, entry.path);
    if (entry.type === "dir") fs.mkdirSync(abs, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      if (entry.type === "file") fs.writeFileSync(abs, entry.data, { flag: "wx", mode: 0o644 });
      else fs.symlinkSync(entry.target, abs);
    }
  }
}
