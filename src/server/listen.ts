/**
 * The one place that binds a port: the app on a node:http (or node:https) server. Resolves once
 * listening, with the real port (`port: 0` picks a free one); a port in use rejects with a
 * one-line error.
 */
import fs from "node:fs";
import type { Server } from "node:http";
import https from "node:https";
import { createAdaptorServer } from "@hono/node-server";
import type { Hono } from "hono";
import { Conflict, Unavailable } from "../errors.js";

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  /** PEM files for HTTPS. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

export interface Listening {
  readonly port: number;
  /** Stops accepting, ends open connections (event streams included) and resolves when closed. */
  close(): Promise<void>;
}

/** True for names and addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

export function listen(app: Hono, options: ListenOptions): Promise<Listening> {
  const server = (
    options.tls
      ? createAdaptorServer({
          fetch: app.fetch,
          createServer: https.createServer,
          serverOptions: { cert: fs.readFileSync(options.tls.cert), key: fs.readFileSync(options.tls.key) },
        })
      : createAdaptorServer({ fetch: app.fetch })
  ) as Server;
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === "EADDRINUSE") reject(new Conflict(`cannot listen on ${options.host}:${options.port}: the port is in use`));
      else if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND")
        reject(new Unavailable(`cannot listen on ${options.host}:${options.port}: no such local address`));
      else if (error.code === "EACCES") reject(new Unavailable(`cannot listen on ${options.host}:${options.port}: permission denied`));
      else reject(error);
    };
    server.once("error", onError);
    server.listen(options.port, options.host.replace(/^\[|\]$/g, ""), () => {
      server.off("error", onError);
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : options.port;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
