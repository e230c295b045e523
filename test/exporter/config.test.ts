import { describe, expect, it } from "vitest";
import {
  DEFAULT_CONFIG,
  goRegExp,
  goTimeString,
  groupName,
  type ProcessAttributes,
  parseExporterConfig,
} from "../../src/exporter/config.js";

const proc = (over: Partial<ProcessAttributes> = {}): ProcessAttributes => ({
  pid: 42,
  comm: "postgres",
  cmdline: ["/usr/lib/postgresql/15/bin/postgres", "-D", "/var/lib/pg", "-c", "config_file=/etc/pg.conf"],
  user: "postgres",
  startTimeSeconds: 1_700_000_000.25,
  ...over,
});

describe("parseExporterConfig()", () => {
  it("reads process-exporter's README example as is", () => {
    const config = parseExporterConfig(`
process_names:
  - name: "{{.Comm}}"
    cmdline:
    - '.+'
  - comm:
    - bash
  - exe:
    - postgres
    - /usr/local/bin/prometheus
  - name: "{{.ExeFull}}:{{.Matches.Cfgfile}}"
    exe:
    - /usr/local/bin/process-exporter
    cmdline:
    - -config.path\\s+(?P<Cfgfile>\\S+)
`);
    expect(config.matchers).toHaveLength(4);
    expect(config.warnings).toEqual([]);
    expect(groupName(config, proc())).toBe("postgres");
    // Kernel threads have an empty command line: '.+' fails, and comm bash does not match.
    expect(groupName(config, proc({ comm: "kworker/0:1", cmdline: [] }))).toBeNull();
  });

  it("first match wins; exe matches argv[0] by basename, or whole when the rule has a slash", () => {
    const config = parseExporterConfig(`
process_names:
  - name: "pe-{{.ExeFull}}:{{.Matches.Cfgfile}}"
    exe: [/usr/local/bin/process-exporter]
    cmdline: ['-config.path\\s+(?P<Cfgfile>\\S+)']
  - name: "byname-{{.ExeBase}}"
    exe: [process-exporter]
`);
    const pe = proc({ comm: "process-export", cmdline: ["/usr/local/bin/process-exporter", "-config.path", "/etc/pe.yml"] });
    expect(groupName(config, pe)).toBe("pe-/usr/local/bin/process-exporter:/etc/pe.yml");
    expect(groupName(config, { ...pe, cmdline: ["/opt/process-exporter", "-config.path", "/x"] })).toBe("byname-process-exporter");
    expect(groupName(config, { ...pe, cmdline: [] })).toBeNull();
  });

  it("renders every template field", () => {
    const config = parseExporterConfig(
      `process_names: [{name: "{{.Comm}}|{{.ExeBase}}|{{.ExeFull}}|{{.Username}}|{{.PID}}|{{ .StartTime }}", comm: [postgres]}]`,
    );
    expect(config.needsUser).toBe(true);
    expect(groupName(config, proc())).toBe(
      "postgres|postgres|/usr/lib/postgresql/15/bin/postgres|postgres|42|2023-11-14 22:13:20.25 +0000 UTC",
    );
  });

  it("all cmdline regexes must match; the default name is {{.ExeBase}}", () => {
    const config = parseExporterConfig("process_names:\n  - cmdline: ['-D', 'config_file=(?P<cfg>\\S+)']\n");
    expect(groupName(config, proc())).toBe("postgres");
    expect(groupName(config, proc({ cmdline: ["postgres", "-D"] }))).toBeNull();
  });

  it.each([
    ["process_names: [", /not valid YAML/],
    ['process_names:\n  - name: "{{.Comm}}"\n    comm: [a, b\n  - x: [\n', /not valid YAML \(line 4\): /],
    ["- just a list", /must be a YAML mapping/],
    ["process_names: {a: 1}", /must have a "process_names" list/],
    ["process_names:\n  - name: x\n", /has no matcher/],
    ["process_names:\n  - cmdline: ['(unclosed']\n", /invalid cmdline regex "\(unclosed"/],
    ["process_names:\n  - comm: [a]\n    name: '{{.Cwd}}'\n", /unknown template field "\{\{\.Cwd\}\}"/],
    ["process_names:\n  - comm: [a]\n    name: '{{.Matches.nope}}'\n", /names no capture group/],
    ["process_names:\n  - comm: [a]\n    name: '{{printf \"%s\" .Comm}}'\n", /unknown template field/],
    ["process_names:\n  - comm: [a]\n    name: '{{.Comm'\n", /unclosed/],
  ])("refuses %j with one line naming the problem", (text, message) => {
    expect(() => parseExporterConfig(text)).toThrow(message);
    try {
      parseExporterConfig(text);
    } catch (error) {
      expect((error as Error).message).not.toContain("\n");
      expect((error as { kind: string }).kind).toBe("InvalidArgument");
    }
  });

  it("names the matcher whose regex it refuses, as it does for templates", () => {
    const text = "process_names:\n  - comm: [a]\n  - cmdline: ['ok', '(?<=a)b']\n";
    expect(() => parseExporterConfig(text, 'config "x.yml"')).toThrow(
      /^config "x\.yml": process_names\[1\]: invalid cmdline regex "\(\?<=a\)b": invalid or unsupported Perl syntax/,
    );
    expect(() => parseExporterConfig(text.replace("(?<=a)b", "(?P<9>x)"), 'config "x.yml"')).toThrow(
      /^config "x\.yml": process_names\[1\]: cmdline regex "\(\?P<9>x\)" has no JavaScript equivalent/,
    );
  });

  it("warns about keys process-exporter would ignore too", () => {
    expect(parseExporterConfig("extra: 1\nprocess_names:\n  - comm: [a]\n    cmd: [x]\n").warnings).toEqual([
      'config: unknown key "extra" ignored',
      'config: process_names[0]: unknown key "cmd" ignored',
    ]);
  });
});

describe("goRegExp()", () => {
  it("translates RE2 spellings", () => {
    expect(goRegExp("(?i)^FOO(?P<n>\\d+)").exec("foo12")?.groups?.n).toBe("12");
    expect(goRegExp("\\Aa[[:digit:]]+\\z").test("a123")).toBe(true);
    expect(goRegExp("\\Aa[[:digit:]]+\\z").test("a123\n")).toBe(false);
  });

  // [Go regex, input, does Go match]: each row one case where a JavaScript RegExp built from the
  // same text refuses it or means something else.
  it.each([
    ["(?i:abc)d", "xABCd", true],
    ["(?i:abc)d", "xABCD", false],
    ["a(?i)b|c", "C", true],
    ["(?i)kelvin", "\u212Aelvin", true],
    ["(?i)[^k]", "\u212A", false],
    ["(?i)\\w", "\u017F", true],
    ["(?i)ς", "Σ", true],
    ["\\Qa.b*\\E", "a.b*", true],
    ["\\Qa.b*\\E", "axbbb", false],
    ["\\Qab\\E+", "abbb", true],
    ["\\Q(x", "a(x", true],
    ["\\pL", "é", true],
    ["\\pL", "1", false],
    ["^\\p{Greek}+$", "κλμ", true],
    ["\\p{Greek}", "p{Greek}", false],
    ["\\PL", "é", false],
    ["\\p{^Greek}", "λ", false],
    ["\\pN", "٣", true],
    ["\\p{C}", "\u0378", false],
    ["\\P{C}", "\u0378", true],
    ["a.b", "a\rb", true],
    ["a.b", "a\nb", false],
    ["(?s:a.b)", "a\nb", true],
    ["x\\sy", "x\u00A0y", false],
    ["x\\sy", "x\ty", true],
    ["(?m)^two$", "one\ntwo\nthree", true],
    ["^two$", "one\ntwo\nthree", false],
    ["(?m)^two$", "one\rtwo\r", false],
    ["a{,2}", "a{,2}", true],
    ["a{,2}", "aa", false],
    ["x]}", "x]}", true],
    ['\\-\\"\\#', '-"#', true],
    ["[[:^alpha:]]z", "1z", true],
    ["[[:^alpha:]]z", "az", false],
    ["[]a]+", "]a]", true],
    ["\\x{3bb}\\101\\a", "λA\u0007", true],
    ["(?U)a+", "aaa", true],
  ])("goRegExp(%j) matches %j: %s, as Go's regexp does", (source, input, matches) => {
    expect(goRegExp(source).test(input)).toBe(matches);
  });

  it("(?U) swaps greedy and lazy, as Go's ungreedy flag does", () => {
    expect(goRegExp("<(?P<x>.+)>").exec("<a><b>")?.groups?.x).toBe("a><b");
    expect(goRegExp("(?U)<(?P<x>.+)>").exec("<a><b>")?.groups?.x).toBe("a");
    expect(goRegExp("(?U)<(?P<x>.+?)>").exec("<a><b>")?.groups?.x).toBe("a><b");
  });

  it.each([
    ["(?<=a)b", /invalid cmdline regex "\(\?<=a\)b": invalid or unsupported Perl syntax/],
    ["(a)\\1", /invalid escape sequence \\1/],
    ["a**", /invalid nested repetition operator/],
    ["*a", /missing argument to repetition operator/],
    ["\\Z", /invalid escape sequence \\Z/],
    ["[z-a]", /invalid character class range z-a/],
    ["a{1001}", /invalid repeat count/],
    ["\\p{Nope}", /invalid character class range \\p\{Nope\}/],
    ["[\\b]", /invalid escape sequence/],
    ["(?i-)x", /invalid or unsupported Perl syntax/],
    ["(a", /missing closing \)/],
    ["a)", /unexpected \)/],
  ])("goRegExp(%j) refuses what Go's regexp refuses", (source, message) => {
    expect(() => goRegExp(source)).toThrow(message);
  });

  it.each([
    ["(?P<1a>x)", /has no JavaScript equivalent: a capture group name must not start with a digit/],
    ["(?i)[a\\P{Greek}]", /has no JavaScript equivalent: \\P… inside a class under \(\?i\)/],
  ])("goRegExp(%j) refuses, in one line, what Go accepts and JavaScript cannot say", (source, message) => {
    expect(() => goRegExp(source)).toThrow(message);
    expect(() => goRegExp(source)).not.toThrow(/\n/);
  });
});

describe("DEFAULT_CONFIG", () => {
  it("groups every process by comm, kernel threads too", () => {
    expect(groupName(DEFAULT_CONFIG, proc({ comm: "kthreadd", cmdline: [] }))).toBe("kthreadd");
  });
});

describe("goTimeString()", () => {
  it("prints Go's time.Time.String() in UTC", () => {
    expect(goTimeString(0)).toBe("1970-01-01 00:00:00 +0000 UTC");
    expect(goTimeString(1.5)).toBe("1970-01-01 00:00:01.5 +0000 UTC");
  });
});
