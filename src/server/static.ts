/**
 * The web UI's files (dist/web/, built by Vite), read once at start-up into memory: the set of
 * servable paths is fixed, so no request path ever reaches the file system.
 */
import fs from "node:fs";
import path from "node:path";

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".woff2": "font/woff2",
  ".map": "application/json; charset=utf-8",
};

export interface StaticFile {
  readonly body: Uint8Array;
  readonly type: string;
  /** Vite's hashed assets never change under their name. */
  readonly immutable: boolean;
}

/** URL path ("/assets/index-abc.js") → file, for every file under `root`; empty if root is absent. */
export function loadStaticFiles(root: string | null): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (root === null) return files;
  const walk = (dir: string, prefix: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, `${prefix}${entry.name}/`);
      else if (entry.isFile()) {
        const type = TYPES[path.extname(entry.name)];
        if (type === undefined) continue;
        files.set(`${prefix}${entry.name}`, { body: fs.readFileSync(full), type, immutable: prefix.startsWith("/assets/") });
      }
    }
  };
  walk(root, "/");
  return files;
}

/**
 * Where the built UI is: dist/web beside the running code (dist/bin/ for the bundle, dist/server/
 * for the library), or null when it was not built.
 */
export function findWebRoot(from: string): string | null {
  let dir = from;
  for (let i = 0; i < 4; i++) {
    for (const candidate of [path.join(dir, "web"), path.join(dir, "dist", "web")])
      if (fs.existsSync(path.join(candidate, "index.html"))) return candidate;
    dir = path.dirname(dir);
  }
  return null;
}
