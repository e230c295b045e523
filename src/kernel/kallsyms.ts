/**
 * Kernel symbol look-ups over /proc/kallsyms: address → nearest symbol + offset (+ module), and
 * name → address(es). The file is read and indexed once; addresses are found by binary search.
 */

import type { ProcFs } from "../access/proc-fs.js";
import { AccessDenied, InvalidArgument, NotFound, ParseError, Unavailable } from "../errors.js";
import type { KernelSymbol, SymbolHit } from "../model/kernel.js";
import { type LineProblem, lineProblem, problemsOf, type WithProblems, withProblems } from "../procfs/_lines.js";
import { type KallsymsTable, kallsymsAddress, kallsymsModule, kallsymsName, parseKallsyms } from "../procfs/kallsyms.js";

export type { KernelSymbol };
/** An address inside a symbol. */
export type AddressHit = SymbolHit;

export interface KallsymsIndex {
  readonly count: number;
  /** The lines of kallsyms that did not parse and were skipped (every other symbol is indexed). */
  readonly problems: readonly LineProblem[];
  /** The lines of /proc/modules that did not parse (those modules' symbols end at a page bound). */
  readonly moduleProblems: readonly LineProblem[];
  /** Finds the symbol containing `address`; NotFound outside every symbol. */
  lookupAddress(address: bigint): AddressHit;
  /** Every symbol named `name` (static functions may repeat); NotFound if none. */
  lookupName(name: string): KernelSymbol[];
}

/** Why the addresses read as zero: a denial (exit 4), as the kernel zeroes them instead of refusing. */
function zeroedDenial(procFs: ProcFs): AccessDenied {
  let restrict = "";
  try {
    restrict = ` kernel.kptr_restrict=${procFs.readText("sys/kernel/kptr_restrict").trim()};`;
  } catch {
    // Not knowing the setting only makes the message less specific.
  }
  const root = typeof process.geteuid === "function" && process.geteuid() === 0;
  const why = root ? "even root is denied them, by kptr_restrict=2 or lockdown" : "not root, and reading them needs CAP_SYSLOG";
  return new AccessDenied(procFs.resolve("kallsyms"), `its addresses read as zero:${restrict} ${why}`);
}

class Index implements KallsymsIndex {
  /** Symbol numbers in address order (file order within equal addresses). */
  private readonly order: Uint32Array;
  private readonly high: Uint32Array;
  private readonly low: Uint32Array;

  /** Where the kernel image ends (its `_end` symbol), when kallsyms lists it; undefined until asked. */
  private imageEnd: bigint | null | undefined;

  constructor(
    private readonly table: KallsymsTable,
    private readonly zeroedDenial: AccessDenied | null,
    /** Module extents from /proc/modules (empty when it is absent or hides addresses). */
    private readonly modules: ReadonlyMap<string, ModuleExtent> = new Map(),
  ) {
    const n = table.count;
    const order = new Uint32Array(n);
    let sorted = true;
    for (let i = 0; i < n; i++) {
      order[i] = i;
      if (i > 0 && compare(table, i - 1, i) > 0) sorted = false;
    }
    // /proc/kallsyms is address-ordered for the kernel image but not across modules.
    if (!sorted) order.sort((a, b) => compare(table, a, b) || a - b);
    this.order = order;
    this.high = new Uint32Array(n);
    this.low = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      this.high[i] = table.addressHigh[order[i] as number] as number;
      this.low[i] = table.addressLow[order[i] as number] as number;
    }
  }

  get count(): number {
    return this.table.count;
  }

  get problems(): readonly LineProblem[] {
    return problemsOf(this.table);
  }

  get moduleProblems(): readonly LineProblem[] {
    return problemsOf(this.modules);
  }

  private moduleAt(position: number): string | null {
    return kallsymsModule(this.table, this.order[position] as number);
  }

  /**
   * Where the run of symbols that `position` ends belongs ends: the kernel image at `_end` (else
   * at the end of the page of its last symbol: sections are page-aligned), a module at the end of
   * what /proc/modules gives it (else the end of the page). Addresses from there on belong to no
   * symbol: the gap between the image and the modules, or between two modules, is a gigabyte wide.
   */
  private extentEnd(module: string | null, lastAddress: bigint): bigint {
    const pageEnd = (lastAddress / 4096n + 1n) * 4096n;
    if (module === null) {
      if (this.imageEnd === undefined) {
        let end: bigint | null = null;
        try {
          end = this.lookupName("_end").find((symbol) => symbol.module === null)?.address ?? null;
        } catch {
          end = null;
        }
        this.imageEnd = end;
      }
      return this.imageEnd !== null && this.imageEnd > lastAddress ? this.imageEnd : pageEnd;
    }
    const extent = this.modules.get(module);
    return extent !== undefined && extent.start <= lastAddress && lastAddress < extent.end ? extent.end : pageEnd;
  }

  /** True when the symbol after `position` (in address order) belongs to another module or the image. */
  private endsRun(position: number): boolean {
    let next = position + 1;
    while (next < this.order.length && this.high[next] === this.high[position] && this.low[next] === this.low[position]) next++;
    return next >= this.order.length || this.moduleAt(next) !== this.moduleAt(position);
  }

  private symbolAt(position: number): KernelSymbol {
    const index = this.order[position] as number;
    const address = kallsymsAddress(this.table, index);
    let next = position + 1;
    while (next < this.order.length && this.high[next] === this.high[position] && this.low[next] === this.low[position]) next++;
    const module = kallsymsModule(this.table, index);
    // The last symbol of the image or of a module ends where they end, not at the next one's start.
    const size =
      next < this.order.length && this.moduleAt(next) === module
        ? Number(kallsymsAddress(this.table, this.order[next] as number) - address)
        : next < this.order.length || module !== null
          ? Number(this.extentEnd(module, address) - address)
          : null;
    return {
      name: kallsymsName(this.table, index),
      address,
      type: String.fromCharCode(this.table.types[index] as number),
      module,
      sizeBytes: size,
    };
  }

  lookupAddress(address: bigint): AddressHit {
    if (this.zeroedDenial !== null) throw this.zeroedDenial;
    if (address < 0n || address >= 1n << 64n) throw new InvalidArgument(`address 0x${address.toString(16)} is not a 64-bit address`);
    const high = Number(address >> 32n);
    const low = Number(address & 0xffffffffn);
    // Last position whose address is <= the query.
    let lo = 0;
    let hi = this.order.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const h = this.high[mid] as number;
      const l = this.low[mid] as number;
      if (h < high || (h === high && l <= low)) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const hex = `0x${address.toString(16)}`;
    if (found < 0) throw new NotFound(`no kernel symbol at ${hex}: it is below the first symbol`);
    // Step back to the first alias at this address: the kernel's own look-up prefers it too.
    let first = found;
    while (first > 0 && this.high[first - 1] === this.high[found] && this.low[first - 1] === this.low[found]) first--;
    const symbol = this.symbolAt(first);
    const offset = Number(address - symbol.address);
    if (symbol.sizeBytes === null && offset > 0) throw new NotFound(`no kernel symbol at ${hex}: it is past the last symbol`);
    if (this.endsRun(found) && symbol.sizeBytes !== null && offset >= symbol.sizeBytes) throw this.outside(hex, found, symbol);
    const aliases: string[] = [];
    for (let p = first + 1; p <= found; p++) aliases.push(kallsymsName(this.table, this.order[p] as number));
    return { address, symbol, offsetBytes: offset, aliases };
  }

  /** NotFound for an address past the end of the image or of a module, naming both sides of the gap. */
  private outside(hex: string, position: number, symbol: KernelSymbol): NotFound {
    const at = (s: KernelSymbol) => `${s.name}${s.module === null ? "" : ` [${s.module}]`} at 0x${s.address.toString(16)}`;
    let next = position + 1;
    while (next < this.order.length && this.high[next] === this.high[position] && this.low[next] === this.low[position]) next++;
    const after = next < this.order.length ? this.symbolAt(next) : null;
    const where = `it is past the end of ${symbol.module === null ? "the kernel image" : `module ${symbol.module}`} (its last symbol is ${at(symbol)})`;
    const gap =
      after === null
        ? ""
        : symbol.module === null && after.module !== null
          ? `, between the kernel image and the modules (the next symbol is ${at(after)})`
          : after.module !== null
            ? `, between modules (the next symbol is ${at(after)})`
            : `, before ${at(after)}`;
    return new NotFound(`no kernel symbol at ${hex}: ${where}${gap}`);
  }

  lookupName(name: string): KernelSymbol[] {
    if (this.zeroedDenial !== null) throw this.zeroedDenial;
    if (!/^[\w.$]+$/.test(name)) throw new InvalidArgument(`"${name}" is not a kernel symbol name`);
    const { bytes } = this.table;
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const hits: number[] = [];
    // Names are whole fields: " NAME\n" or " NAME\t[module]". A native search beats a name index
    // that would need 120 000 strings.
    for (const terminator of ["\n", "\t"]) {
      const needle = Buffer.from(` ${name}${terminator}`, "latin1");
      for (let at = buffer.indexOf(needle); at >= 0; at = buffer.indexOf(needle, at + 1)) hits.push(this.indexOfNameStart(at + 1));
    }
    if (hits.length === 0) throw new NotFound(`no kernel symbol named "${name}"`);
    return hits
      .filter((i) => i >= 0)
      .sort((a, b) => a - b)
      .map((i) => this.symbolAt(this.positionOf(i)));
  }

  /** Where symbol `index` (file order) sits in address order. */
  private positionOf(index: number): number {
    if (this.order[index] === index) return index; // the usual case: the file is in address order here
    for (let p = 0; p < this.order.length; p++) if (this.order[p] === index) return p;
    return -1;
  }

  /** The symbol whose name starts at byte `offset` (nameStart ascends in file order). */
  private indexOfNameStart(offset: number): number {
    const starts = this.table.nameStart;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = starts[mid] as number;
      if (value === offset) return mid;
      if (value < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}

function compare(table: KallsymsTable, a: number, b: number): number {
  return (
    (table.addressHigh[a] as number) - (table.addressHigh[b] as number) || (table.addressLow[a] as number) - (table.addressLow[b] as number)
  );
}

/**
 * Reads /proc/kallsyms once and indexes it. Look-ups throw AccessDenied when the kernel hid the
 * addresses (kptr_restrict, not root) instead of answering with zeros.
 * loadKallsyms(procFs).lookupName("do_nanosleep")[0].address
 */
export function loadKallsyms(procFs: ProcFs): KallsymsIndex {
  const bytes = procFs.readBytes("kallsyms");
  let parsed: KallsymsTable;
  try {
    parsed = parseKallsyms(bytes);
  } catch (error) {
    if (error instanceof ParseError) throw error.withPath(procFs.resolve("kallsyms"));
    throw error;
  }
  if (parsed.count === 0) throw new Unavailable(`"${procFs.resolve("kallsyms")}" is empty (a kernel without CONFIG_KALLSYMS)`);
  return new Index(parsed, parsed.zeroed ? zeroedDenial(procFs) : null, readModuleExtents(procFs));
}

/** Where a loaded module's memory starts and ends (/proc/modules: base address and total size). */
interface ModuleExtent {
  readonly start: bigint;
  readonly end: bigint;
}

/**
 * /proc/modules — proc(5): "name size refcount deps state address" per line. Absent on a kernel
 * without modules; the address reads as 0 without CAP_SYSLOG (such lines are left out).
 */
export function parseModuleExtents(text: string): WithProblems<Map<string, ModuleExtent>> {
  const extents = new Map<string, ModuleExtent>();
  const problems: LineProblem[] = [];
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    const match = /^(\S+) (\d+) \S+ \S+ \S+ 0x([0-9a-f]+)/.exec(line);
    if (!match) {
      // Only the empty string after the final newline holds no module.
      if (line !== "" || i < lines.length - 1)
        problems.push(lineProblem('expected "name size refcount deps state 0xaddress"', line, i + 1));
      continue;
    }
    const start = BigInt(`0x${match[3]}`);
    if (start === 0n) continue;
    extents.set(match[1] as string, { start, end: start + BigInt(match[2] as string) });
  }
  return withProblems(extents, problems);
}

function readModuleExtents(procFs: ProcFs): WithProblems<Map<string, ModuleExtent>> {
  try {
    return parseModuleExtents(procFs.readText("modules"));
  } catch {
    // No modules file (a kernel built without modules) or unreadable: page bounds are used instead.
    return withProblems(new Map(), []);
  }
}

/** What `ksym` was asked: an address, or a name with an optional offset ("do_nanosleep+0x6d/0x1a0"). */
export type KsymQuery =
  | { readonly kind: "address"; readonly address: bigint }
  | { readonly kind: "name"; readonly name: string; readonly offset: number | null };

/**
 * Reads a query: "0x…" or a bare hex word of 9+ digits is an address (kernel addresses have 16);
 * anything else is a symbol name, optionally "+0xOFFSET" (and a "/0xSIZE" that is ignored).
 * parseKsymQuery("0x10") → { kind: "address", address: 16n }
 */
export function parseKsymQuery(text: string): KsymQuery {
  const hex = /^0x([0-9a-fA-F]{1,16})$/.exec(text) ?? /^([0-9a-fA-F]{9,16})$/.exec(text);
  if (hex) return { kind: "address", address: BigInt(`0x${hex[1]}`) };
  const named = /^([A-Za-z_.$][\w.$]*)(?:\+0x([0-9a-fA-F]+)(?:\/0x[0-9a-fA-F]+)?)?$/.exec(text);
  if (!named) throw new InvalidArgument(`"${text}" is neither an address (0x…) nor a symbol name`);
  return { kind: "name", name: named[1] as string, offset: named[2] === undefined ? null : Number.parseInt(named[2], 16) };
}
