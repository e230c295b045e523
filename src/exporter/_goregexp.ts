/**
 * Go's regexp syntax (RE2, https://pkg.go.dev/regexp/syntax, Perl flags as regexp.Compile sets
 * them), as process-exporter compiles its `cmdline` matchers, parsed and written out as a
 * JavaScript RegExp with the `u` flag that means the same, or refused. Parsed, not patched with
 * replace(): what Go and JavaScript spell alike often means something else (`.`, `\s`, `$` under
 * (?m), `\-`, a lone `{`), and Node 20 has no scoped modifiers, so (?i:…), (?s:…), (?m:…) and
 * (?U) are expanded here: case folding into classes of each character's case orbit, `.`, `^`,
 * `$` into classes and lookarounds, ungreediness into the quantifiers. The RegExp gets no flag but
 * `u`, so nothing depends on JavaScript's own flag semantics.
 */

interface Flags {
  /** (?i) */
  readonly fold: boolean;
  /** (?m): ^ and $ also at line boundaries. */
  readonly multiLine: boolean;
  /** (?s): . matches \n. */
  readonly dotNL: boolean;
  /** (?U): x* is lazy, x*? greedy. */
  readonly ungreedy: boolean;
}

type Range = readonly [number, number];

/** Go refuses this regex too. */
export class GoSyntaxError extends Error {}
/** Go accepts this regex, but no JavaScript RegExp on Node 20 means the same. */
export class UntranslatableError extends Error {}

const MAX_CODE_POINT = 0x10ffff;
const MAX_REPEAT = 1000;
const DIGIT: readonly Range[] = [[0x30, 0x39]];
const SPACE: readonly Range[] = [
  [0x09, 0x0a],
  [0x0c, 0x0d],
  [0x20, 0x20],
];
const WORD: readonly Range[] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const PERL_CLASSES: Readonly<Record<string, readonly Range[]>> = { d: DIGIT, s: SPACE, w: WORD };
const POSIX_CLASSES: Readonly<Record<string, readonly Range[]>> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: DIGIT,
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: WORD,
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};
/** Go's unicode.Categories (Go ≤ 1.24; Go's C has no Cn, JavaScript's has). */
const CATEGORIES = new Set(
  "C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs".split(" "),
);
const CONTROL_LETTERS: Readonly<Record<string, number>> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
/** What a `u` RegExp lets `\` escape outside a class. */
const SYNTAX = new Set("^$\\.*+?()[]{}|/");

function normalize(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function complement(ranges: readonly Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of normalize(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

function hex(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function literalText(cp: number): string {
  const c = String.fromCodePoint(cp);
  if (SYNTAX.has(c)) return `\\${c}`;
  return cp < 0x20 || cp === 0x7f || (cp >= 0x80 && !/[\p{L}\p{N}]/u.test(c)) ? hex(cp) : c;
}

function rangesText(ranges: readonly Range[]): string {
  return normalize(ranges)
    .map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`))
    .join("");
}

let orbitCache: Map<number, readonly number[]> | null = null;

/**
 * Each case-sensitive character's orbit under Unicode simple case folding, as Go's (?i) and a `ui`
 * RegExp both use. Candidates come from toLowerCase/toUpperCase (case mapping, not folding), so
 * each pair is kept only when the RegExp engine folds it alike: that drops ı ~ I, which case
 * mapping links and folding does not.
 */
function orbits(): Map<number, readonly number[]> {
  if (orbitCache !== null) return orbitCache;
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let root = x;
    while (parent.get(root) !== undefined && parent.get(root) !== root) root = parent.get(root) as number;
    parent.set(x, root);
    return root;
  };
  const link = (a: number, b: number) => {
    const escaped = literalText(a);
    if (!new RegExp(`^${escaped}$`, "ui").test(String.fromCodePoint(b))) return;
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (let cp = 0; cp < 0x20000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    for (const mapped of [c.toLowerCase(), c.toUpperCase()]) {
      const other = mapped.codePointAt(0) as number;
      if (mapped !== c && mapped.length === String.fromCodePoint(other).length) link(cp, other);
    }
  }
  // Simple foldings that no case mapping reaches (CaseFolding.txt: ΐ ~ ΐ, ΰ ~ ΰ, ﬅ ~ ﬆ).
  for (const [a, b] of [
    [0x390, 0x1fd3],
    [0x3b0, 0x1fe3],
    [0xfb05, 0xfb06],
  ] as const)
    link(a, b);
  const groups = new Map<number, number[]>();
  for (const cp of parent.keys()) {
    const root = find(cp);
    const group = groups.get(root) ?? [];
    group.push(cp);
    groups.set(root, group);
  }
  orbitCache = new Map();
  for (const group of groups.values())
    for (const cp of group)
      orbitCache.set(
        cp,
        group.sort((a, b) => a - b),
      );
  return orbitCache;
}

/** Adds each character's case orbit (Go's appendFoldedRange). */
function foldRanges(ranges: readonly Range[]): Range[] {
  const out: Range[] = [...ranges];
  for (const [cp, orbit] of orbits())
    if (ranges.some(([lo, hi]) => cp >= lo && cp <= hi)) for (const other of orbit) out.push([other, other]);
  return normalize(out);
}

/** The case-orbit members a property class lacks, which Go's (?i) adds to it. */
function foldExtras(property: string): Range[] {
  const inside = new RegExp(`^[${property}]$`, "u");
  const out: Range[] = [];
  for (const [cp, orbit] of orbits())
    if (inside.test(String.fromCodePoint(cp)))
      for (const other of orbit) if (!inside.test(String.fromCodePoint(other))) out.push([other, other]);
  return normalize(out);
}

/** A Unicode class as JavaScript class items: the positive form and, unfolded, the negated one. */
function unicodeClass(name: string, whole: string): { positive: string; negated: string } {
  if (name === "Any") return { positive: "\\p{Any}", negated: "\\P{Any}" };
  if (name === "C") return { positive: "\\p{Cc}\\p{Cf}\\p{Co}\\p{Cs}", negated: "\\P{C}\\p{Cn}" };
  if (CATEGORIES.has(name)) return { positive: `\\p{${name}}`, negated: `\\P{${name}}` };
  if (/^[A-Za-z_]+$/.test(name)) {
    try {
      new RegExp(`\\p{Script=${name}}`, "u");
      return { positive: `\\p{Script=${name}}`, negated: `\\P{Script=${name}}` };
    } catch {
      // not a script either
    }
  }
  throw new GoSyntaxError(`invalid character class range ${whole}`);
}

interface Atom {
  readonly text: string;
  /** False for assertions, which a JavaScript quantifier cannot follow. */
  readonly quantifiable: boolean;
}

class Translator {
  private at = 0;
  private readonly chars: readonly string[];
  private readonly names = new Set<string>();

  constructor(source: string) {
    this.chars = [...source];
  }

  captureNames(): string[] {
    return [...this.names];
  }

  translate(): string {
    const body = this.alternation({ fold: false, multiLine: false, dotNL: false, ungreedy: false });
    if (this.at < this.chars.length) throw new GoSyntaxError("unexpected )");
    return body;
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.at + offset];
  }

  private rest(): string {
    return this.chars.slice(this.at).join("");
  }

  /** Up to the ")" closing the current group; (?flags) hold until then, across "|". */
  private alternation(outer: Flags): string {
    let flags = outer;
    const alternatives: string[] = [];
    let sequence: Atom[] = [];
    let lastWasRepeat = false;
    while (this.at < this.chars.length) {
      const c = this.peek() as string;
      if (c === ")") break;
      if (c === "|") {
        alternatives.push(sequence.map((a) => a.text).join(""));
        sequence = [];
        lastWasRepeat = false;
        this.at++;
        continue;
      }
      const repeat = this.repeatOperator();
      if (repeat !== null) {
        const last = sequence.pop();
        if (last === undefined) throw new GoSyntaxError(`missing argument to repetition operator ${repeat.text}`);
        if (lastWasRepeat) throw new GoSyntaxError(`invalid nested repetition operator ${repeat.text}`);
        const lazy = repeat.lazy !== flags.ungreedy;
        const operand = last.quantifiable ? last.text : `(?:${last.text})`;
        sequence.push({ text: `${operand}${repeat.quantifier}${lazy ? "?" : ""}`, quantifiable: false });
        lastWasRepeat = true;
        continue;
      }
      lastWasRepeat = false;
      if (c === "(" && this.peek(1) === "?") {
        const changed = this.flagGroup(flags);
        if (changed !== null) {
          if (changed.opensGroup) {
            sequence.push({ text: `(?:${this.groupBody(changed.flags)})`, quantifiable: true });
          } else flags = changed.flags;
          continue;
        }
      }
      sequence.push(...this.atoms(flags));
    }
    alternatives.push(sequence.map((a) => a.text).join(""));
    return alternatives.join("|");
  }

  private groupBody(flags: Flags): string {
    const body = this.alternation(flags);
    if (this.peek() !== ")") throw new GoSyntaxError("missing closing )");
    this.at++;
    return body;
  }

  /** `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each maybe followed by `?`; null if none is here. */
  private repeatOperator(): { text: string; quantifier: string; lazy: boolean } | null {
    const start = this.at;
    const c = this.peek();
    let quantifier: string;
    if (c === "*" || c === "+" || c === "?") {
      quantifier = c;
      this.at++;
    } else if (c === "{") {
      const found = /^\{(\d+)(,(\d*))?\}/.exec(this.rest());
      if (found === null) return null;
      const min = Number(found[1]);
      const max = found[2] === undefined ? min : found[3] === "" ? -1 : Number(found[3]);
      if (min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && max < min)) throw new GoSyntaxError(`invalid repeat count ${found[0]}`);
      quantifier = found[0];
      this.at += found[0].length;
    } else return null;
    const lazy = this.peek() === "?";
    if (lazy) this.at++;
    return { text: this.chars.slice(start, this.at).join(""), quantifier, lazy };
  }

  /**
   * `(?flags)` or `(?flags:` (Go's parsePerlFlags): the flags and whether a group opens, or null
   * when this "(?" is a named group.
   */
  private flagGroup(flags: Flags): { flags: Flags; opensGroup: boolean } | null {
    const rest = this.rest();
    if (/^\(\?P?</.test(rest) && !/^\(\?<[=!]/.test(rest)) return null;
    const found = /^\(\?([imsU]*)(?:-([imsU]+))?([:)])/.exec(rest);
    if (found === null) throw new GoSyntaxError(`invalid or unsupported Perl syntax ${rest.slice(0, 3)}`);
    const on = found[1] as string;
    const off = found[2] ?? "";
    const next = { ...flags };
    for (const [letter, value] of [...[...on].map((l) => [l, true] as const), ...[...off].map((l) => [l, false] as const)]) {
      if (letter === "i") next.fold = value;
      else if (letter === "m") next.multiLine = value;
      else if (letter === "s") next.dotNL = value;
      else next.ungreedy = value;
    }
    this.at += [...found[0]].length;
    return { flags: next, opensGroup: found[3] === ":" };
  }

  /** One atom, or several for \Q…\E (a repeat after it takes its last character, as in Go). */
  private atoms(flags: Flags): Atom[] {
    const c = this.peek() as string;
    this.at++;
    switch (c) {
      case "(": {
        const named = /^(\?P?<)([^>]*)>/.exec(this.rest());
        if (named === null) return [{ text: `(${this.groupBody(flags)})`, quantifiable: true }];
        const name = named[2] as string;
        if (!/^[A-Za-z0-9_]+$/.test(name)) throw new GoSyntaxError(`invalid named capture (${named[0]}`);
        if (this.names.has(name)) throw new GoSyntaxError(`duplicate capture group name ${name}`);
        if (!/^[A-Za-z_]/.test(name))
          throw new UntranslatableError(`a capture group name must not start with a digit in JavaScript: ${name}`);
        this.names.add(name);
        this.at += named[0].length;
        return [{ text: `(?<${name}>${this.groupBody(flags)})`, quantifiable: true }];
      }
      case "[":
        return [{ text: this.bracketClass(flags), quantifiable: true }];
      case ".":
        return [{ text: flags.dotNL ? "[^]" : "[^\\n]", quantifiable: true }];
      case "^":
        return [{ text: flags.multiLine ? "(?<![^\\n])" : "^", quantifiable: false }];
      case "$":
        return [{ text: flags.multiLine ? "(?![^\\n])" : "$", quantifiable: false }];
      case "\\":
        return this.escape(flags);
      default:
        return [this.literal(c.codePointAt(0) as number, flags)];
    }
  }

  private literal(cp: number, flags: Flags): Atom {
    const orbit = flags.fold ? orbits().get(cp) : undefined;
    if (orbit === undefined) return { text: literalText(cp), quantifiable: true };
    return { text: `[${rangesText(orbit.map((o) => [o, o] as const))}]`, quantifiable: true };
  }

  private escape(flags: Flags): Atom[] {
    const c = this.peek();
    if (c === undefined) throw new GoSyntaxError("trailing backslash at end of expression");
    switch (c) {
      case "A":
        this.at++;
        return [{ text: "^", quantifiable: false }];
      case "z":
        this.at++;
        return [{ text: "$", quantifiable: false }];
      case "b":
      case "B":
        // Both ASCII word boundaries, as no `i` flag is ever set.
        this.at++;
        return [{ text: `\\${c}`, quantifiable: false }];
      case "Q": {
        const rest = this.rest().slice(1);
        const end = rest.indexOf("\\E");
        const quoted = end < 0 ? rest : rest.slice(0, end);
        this.at += 1 + [...quoted].length + (end < 0 ? 0 : 2);
        return [...quoted].map((q) => this.literal(q.codePointAt(0) as number, flags));
      }
      case "p":
      case "P": {
        const { positive, negated, negative } = this.unicodeEscape();
        if (!flags.fold) return [{ text: `[${negative ? negated : positive}]`, quantifiable: true }];
        const folded = `${positive}${rangesText(foldExtras(positive))}`;
        return [{ text: negative ? `[^${folded}]` : `[${folded}]`, quantifiable: true }];
      }
      default: {
        const perl = PERL_CLASSES[c.toLowerCase()];
        if (perl !== undefined) {
          this.at++;
          const ranges = flags.fold ? foldRanges(perl) : perl;
          return [{ text: `[${rangesText(c === c.toUpperCase() ? complement(ranges) : ranges)}]`, quantifiable: true }];
        }
        return [this.literal(this.escapedChar(), flags)];
      }
    }
  }

  /** After `\`, at `p` or `P`: `\pL`, `\p{Greek}`, `\p{^Greek}`, `\PL`. */
  private unicodeEscape(): { positive: string; negated: string; negative: boolean } {
    let negative = this.peek() === "P";
    this.at++;
    let name: string;
    let whole: string;
    if (this.peek() === "{") {
      const close = this.chars.indexOf("}", this.at);
      if (close < 0) throw new GoSyntaxError(`invalid character class range \\p${this.rest()}`);
      name = this.chars.slice(this.at + 1, close).join("");
      whole = `\\p{${name}}`;
      this.at = close + 1;
      if (name.startsWith("^")) {
        negative = !negative;
        name = name.slice(1);
      }
    } else {
      name = this.peek() ?? "";
      whole = `\\p${name}`;
      this.at++;
    }
    return { ...unicodeClass(name, whole), negative };
  }

  /** After `\`: one escaped character (Go's parseEscape), or a GoSyntaxError. */
  private escapedChar(): number {
    const c = this.peek() as string;
    this.at++;
    const cp = c.codePointAt(0) as number;
    if (cp < 0x80 && !/[0-9A-Za-z]/.test(c)) return cp;
    if ((/[1-7]/.test(c) && /[0-7]/.test(this.peek() ?? "")) || c === "0") {
      let value = cp - 0x30;
      for (let i = 1; i < 3 && /[0-7]/.test(this.peek() ?? ""); i++) value = value * 8 + Number(this.chars[this.at++]);
      return value;
    }
    if (c === "x") {
      const rest = this.rest();
      const braced = /^\{([0-9A-Fa-f]+)\}/.exec(rest);
      const two = /^[0-9A-Fa-f]{2}/.exec(rest);
      const digits = braced?.[1] ?? two?.[0];
      const value = digits === undefined ? Number.NaN : Number.parseInt(digits, 16);
      if (Number.isNaN(value) || value > MAX_CODE_POINT) throw new GoSyntaxError(`invalid escape sequence \\x${rest.slice(0, 4)}`);
      this.at += (braced?.[0] ?? two?.[0] ?? "").length;
      return value;
    }
    const control = CONTROL_LETTERS[c];
    if (control !== undefined) return control;
    throw new GoSyntaxError(`invalid escape sequence \\${c}`);
  }

  /** After `[`, through its `]` (Go's parseClass). */
  private bracketClass(flags: Flags): string {
    const start = this.at - 1;
    const negated = this.peek() === "^";
    if (negated) this.at++;
    const ranges: Range[] = [];
    let properties = "";
    let first = true;
    const missing = () => new GoSyntaxError(`missing closing ] ${this.chars.slice(start).join("")}`);
    while (first || this.peek() !== "]") {
      first = false;
      if (this.peek() === undefined) throw missing();
      const rest = this.rest();
      if (rest.startsWith("[:")) {
        const end = rest.indexOf(":]", 2);
        if (end >= 0) {
          const name = rest.slice(2, end);
          const cls = POSIX_CLASSES[name.replace(/^\^/, "")];
          if (cls === undefined) throw new GoSyntaxError(`invalid character class range ${rest.slice(0, end + 2)}`);
          const folded = flags.fold ? foldRanges(cls) : cls;
          ranges.push(...(name.startsWith("^") ? complement(folded) : folded));
          this.at += [...rest.slice(0, end + 2)].length;
          continue;
        }
      }
      if (rest.startsWith("\\p") || rest.startsWith("\\P")) {
        this.at++;
        const { positive, negated: negatedForm, negative } = this.unicodeEscape();
        if (flags.fold && negative)
          throw new UntranslatableError(
            `${rest.slice(0, 2)}… inside a class under (?i) (JavaScript cannot subtract the case-folded members)`,
          );
        properties += negative ? negatedForm : positive;
        if (flags.fold) ranges.push(...foldExtras(positive));
        continue;
      }
      const perl = rest.startsWith("\\") ? PERL_CLASSES[(rest[1] ?? "").toLowerCase()] : undefined;
      if (perl !== undefined) {
        this.at += 2;
        const folded = flags.fold ? foldRanges(perl) : perl;
        ranges.push(...(rest[1] === rest[1]?.toUpperCase() ? complement(folded) : folded));
        continue;
      }
      const lo = this.classChar(missing);
      let hi = lo;
      if (this.peek() === "-" && this.peek(1) !== "]" && this.peek(1) !== undefined) {
        this.at++;
        hi = this.classChar(missing);
        if (hi < lo) throw new GoSyntaxError(`invalid character class range ${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}`);
      }
      ranges.push(...(flags.fold ? foldRanges([[lo, hi]]) : [[lo, hi] as const]));
    }
    this.at++;
    return `[${negated ? "^" : ""}${rangesText(ranges)}${properties}]`;
  }

  private classChar(missing: () => Error): number {
    const c = this.peek();
    if (c === undefined) throw missing();
    this.at++;
    if (c !== "\\") return c.codePointAt(0) as number;
    if (this.peek() === undefined) throw missing();
    return this.escapedChar();
  }
}

/**
 * The JavaScript RegExp source (for the `u` flag) that means what Go's `source` means, and its
 * capture group names. Throws GoSyntaxError or UntranslatableError.
 * translateGoRegExp("(?i:ab)").source === "[Aa][Bb]"
 */
export function translateGoRegExp(source: string): { source: string; names: readonly string[] } {
  const translator = new Translator(source);
  return { source: translator.translate(), names: translator.captureNames() };
}
