/** The secret formats and their redaction (src/audit/secrets.ts), on inline strings. */
import { describe, expect, it } from "vitest";
import {
  findSecrets,
  isRedacted,
  parseRedactedMarker,
  redactEnviron,
  redactEnvironBytes,
  redactSecret,
  redactText,
  secretKindOfVariable,
} from "../../src/audit/secrets.js";

const AWS = "AKIAIOSFODNN7EXAMPLE";
const GITHUB = `ghp_${"a1B2".repeat(9)}`;
const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";

describe("findSecrets()", () => {
  it("recognises each format", () => {
    const cases: [string, string][] = [
      [`key=${AWS}`, "aws-access-key-id"],
      [`aws_secret_access_key = ${"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}`, "aws-secret-access-key"],
      ["-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn", "private-key"],
      ["-----BEGIN RSA PRIVATE KEY-----", "private-key"],
      [`token ${GITHUB}`, "github-token"],
      [`github_pat_${"A".repeat(22)}_${"b".repeat(59)}`, "github-token"],
      ["glpat-abcdefghij0123456789", "gitlab-token"],
      ["xoxb-123456789012-abcdefABCDEF", "slack-token"],
      ["https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", "slack-webhook"],
      [`Authorization: Bearer ${JWT}`, "jwt"],
      ["postgres://app:s3cr3t-pw@db:5432/app", "url-credentials"],
    ];
    for (const [text, kind] of cases)
      expect(
        findSecrets(text).map((m) => m.kind),
        text,
      ).toEqual([kind]);
  });

  it("leaves ordinary text alone", () => {
    for (const text of ["PATH=/usr/bin:/bin", "AKIA", "https://example.org/path", "eyJ only", "ghp_short", "-----BEGIN CERTIFICATE-----"])
      expect(findSecrets(text), text).toEqual([]);
  });
});

describe("secretKindOfVariable()", () => {
  it("tells by format first, then by name; skips path-like names, empty and redacted values", () => {
    expect(secretKindOfVariable("X", AWS)).toBe("aws-access-key-id");
    expect(secretKindOfVariable("DB_PASSWORD", "hunter2")).toBe("secret-name");
    expect(secretKindOfVariable("GITHUB_TOKEN", GITHUB)).toBe("github-token");
    expect(secretKindOfVariable("SSH_AUTH_SOCK", "/tmp/ssh-x/agent.1")).toBeNull();
    expect(secretKindOfVariable("PASSWORD_FILE", "/run/secrets/pw")).toBeNull();
    expect(secretKindOfVariable("API_TOKEN", "")).toBeNull();
    expect(secretKindOfVariable("API_TOKEN", "[redacted secret-name a…b]")).toBeNull();
    expect(secretKindOfVariable("HOME", "/root")).toBeNull();
  });
});

describe("redactSecret()", () => {
  it("keeps the first and last characters only", () => {
    expect(redactSecret(AWS)).toBe("AKIA…PLE");
    expect(redactSecret("hunter2-hunter2")).toBe("h…2");
    expect(redactSecret("short")).toBe("…");
    expect(redactSecret("-----BEGIN RSA PRIVATE KEY-----\nMIIE", "private-key")).toBe("-----BEGIN RSA PRIVATE KEY-----…");
    expect(redactSecret("postgres://app:s3cr3t@", "url-credentials")).toBe("postgres://app:…@");
  });
});

describe("redactEnviron() and redactText()", () => {
  it("replaces credentials by markers that say what was there, keeps the rest", () => {
    const out = redactEnviron({ HOME: "/root", AWS_ACCESS_KEY_ID: AWS, DB_URL: "postgres://app:s3cr3t-pw@db/app", DB_PASSWORD: "hunter2" });
    expect(out.HOME).toBe("/root");
    expect(out.AWS_ACCESS_KEY_ID).toBe("[redacted aws-access-key-id AKIA…PLE]");
    expect(out.DB_URL).toBe("[redacted url-credentials postgres://app:…@]db/app");
    expect(out.DB_PASSWORD).toBe("[redacted secret-name …]");
    expect(isRedacted(out.AWS_ACCESS_KEY_ID as string)).toBe(true);
    expect(parseRedactedMarker(out.AWS_ACCESS_KEY_ID as string)).toEqual({ kind: "aws-access-key-id", redacted: "AKIA…PLE" });
    expect(JSON.stringify(out)).not.toContain("s3cr3t");
    expect(redactText(`curl -H "Authorization: token ${GITHUB}" x`)).toBe(
      `curl -H "Authorization: token [redacted github-token ghp_…1B2]" x`,
    );
  });

  it("redactEnvironBytes() keeps the NUL layout and non-UTF-8 bytes of other entries", () => {
    const raw = Buffer.concat([Buffer.from(`A=1\0K=${AWS}\0B=`), Buffer.from([0xff, 0xfe]), Buffer.from("\0")]);
    const out = redactEnvironBytes(raw);
    expect(out.toString("latin1")).toBe(
      `A=1\0K=[redacted aws-access-key-id AKIA…PLE]\0B=\xff\xfe\0`.replace("…", Buffer.from("…").toString("latin1")),
    );
    expect(out.includes(AWS)).toBe(false);
  });
});
