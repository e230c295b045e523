#!/usr/bin/env node
/**
 * Generates src/memory/strings-wasm.ts: the WebAssembly (SIMD) module behind `procscope strings`.
 * The scan is written below in flat WebAssembly text (the stack form of WAT: one instruction after
 * another, `block`/`loop`/`if` closed by `end`) and assembled by the small assembler in this file,
 * so no toolchain is needed. Run after editing; `--check` fails if the TypeScript file is stale.
 *
 *   node scripts/gen-strings-wasm.mjs [--check]
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src", "memory", "strings-wasm.ts");

// Memory the JS side and the module agree on (the rest is laid out by the caller).
const RESULT_LINES = 0; // i32: lines written by the last scan
const RESULT_TAIL = 4; // i32: start of a run that reaches the end of the input, or -1
const HI_DIGITS = 16; // the hex digits of address >> 20, cached between lines (16 bytes)
const HEX = 32; // "0123456789abcdef"
const HEX_PAIRS = 64; // "000102…ff": two digits per byte value
const LAYOUT_END = 576;

/**
 * scan(in, n, peek, min, base, label, labelLength, bitmap, out) → end of output
 *
 * Finds every run of at least `min` printable bytes (0x20-0x7e and tab) that starts in
 * in[peek, n) and ends before n, and writes "ADDRESS LABEL TEXT\n" for each at `out` (a tab as
 * "\t"). ADDRESS is base + offset in lowercase hex without leading zeros. With peek = 1, in[0] is
 * the byte before the span: a run going on from it belongs to whoever owns its start.
 *
 * Pass 1 turns 64 bytes at a time into a word of a bitmap of printable bytes (1 bit per byte).
 * Pass 2 walks the bitmap a word at a time: run starts are the set bits whose lower neighbour is
 * clear, and a start is kept only if the next bits (up to 3) are set too, so random binary costs a
 * few word operations per 64 bytes; each kept start's run is then measured against min. Text is
 * copied 16 bytes at a time, and again byte by byte if those bytes held a tab (they may run past
 * the run's end, so a tab there only costs time).
 *
 * Needs: in[n, n + 192) writable (zeroed here as the bitmap's stop), bitmap room for
 * (n + 128) / 8 bytes, and room at `out` for the worst case plus 64 bytes of overrun.
 */
const SCAN = String.raw`
  ;; zero the bytes after the input up to a whole 64-byte block plus one more block
  local.get $n  i32.const 63  i32.add  i32.const -64  i32.and  i32.const 64  i32.add  local.set $pad
  local.get $n  local.set $k
  block $zeroed  loop $zero
    local.get $k  local.get $pad  i32.ge_u  br_if $zeroed
    local.get $in  local.get $k  i32.add  i32.const 0  i8x16.splat  v128.store
    local.get $k  i32.const 16  i32.add  local.set $k
    br $zero
  end  end

  ;; pass 1: printable bitmap (64 bytes to a word)
  i32.const 0x20  i8x16.splat  local.set $c20
  i32.const 0x5f  i8x16.splat  local.set $c5f
  i32.const 9  i8x16.splat  local.set $c09
  i32.const 0  local.set $k
  block $mapped  loop $map
    local.get $k  local.get $pad  i32.ge_u  br_if $mapped
    local.get $bitmap  local.get $k  i32.const 3  i32.shr_u  i32.add
    local.get $in  local.get $k  i32.add  local.set $src
    local.get $src  v128.load offset=0  local.tee $v  local.get $c20  i8x16.sub  local.get $c5f  i8x16.lt_u
    local.get $v  local.get $c09  i8x16.eq  v128.or  i8x16.bitmask  i64.extend_i32_u
    local.get $src  v128.load offset=16  local.tee $v  local.get $c20  i8x16.sub  local.get $c5f  i8x16.lt_u
    local.get $v  local.get $c09  i8x16.eq  v128.or  i8x16.bitmask  i64.extend_i32_u
    i64.const 16  i64.shl  i64.or
    local.get $src  v128.load offset=32  local.tee $v  local.get $c20  i8x16.sub  local.get $c5f  i8x16.lt_u
    local.get $v  local.get $c09  i8x16.eq  v128.or  i8x16.bitmask  i64.extend_i32_u
    i64.const 32  i64.shl  i64.or
    local.get $src  v128.load offset=48  local.tee $v  local.get $c20  i8x16.sub  local.get $c5f  i8x16.lt_u
    local.get $v  local.get $c09  i8x16.eq  v128.or  i8x16.bitmask  i64.extend_i32_u
    i64.const 48  i64.shl  i64.or
    i64.store
    local.get $k  i32.const 64  i32.add  local.set $k
    br $map
  end  end

  ;; the filter looks at up to 3 bits after a start: -1 disables a step when min is smaller
  i64.const 0  i64.const -1  local.get $min  i32.const 2  i32.ge_u  select  local.set $off1
  i64.const 0  i64.const -1  local.get $min  i32.const 3  i32.ge_u  select  local.set $off2
  i64.const 0  i64.const -1  local.get $min  i32.const 4  i32.ge_u  select  local.set $off3
  i64.const 0  local.set $carry
  local.get $peek  i64.extend_i32_u  local.set $notStart
  local.get $base  i64.trunc_sat_f64_u  local.set $base64
  local.get $out  local.set $o
  i32.const 0  local.set $lines
  local.get $n  i32.const 63  i32.add  i32.const 6  i32.shr_u  local.set $words
  local.get $bitmap  i64.load  local.set $next
  i32.const 0  local.set $j

  ;; pass 2
  block $walked  loop $walk
    local.get $j  local.get $words  i32.ge_u  br_if $walked
    local.get $next  local.set $w
    local.get $bitmap  local.get $j  i32.const 3  i32.shl  i32.add  i64.load offset=8  local.set $next
    ;; starts: set bits whose previous bit (carried across words) is clear
    local.get $w  local.get $w  i64.const 1  i64.shl  local.get $carry  i64.or  local.get $notStart  i64.or  i64.const -1  i64.xor  i64.and
    local.set $cand
    local.get $w  i64.const 63  i64.shr_u  local.set $carry
    i64.const 0  local.set $notStart
    ;; keep starts followed by (up to) 3 more printable bytes: few survive in random binary
    local.get $w
    local.get $w  i64.const 1  i64.shr_u  local.get $next  i64.const 63  i64.shl  i64.or  local.get $off1  i64.or  i64.and
    local.get $w  i64.const 2  i64.shr_u  local.get $next  i64.const 62  i64.shl  i64.or  local.get $off2  i64.or  i64.and
    local.get $w  i64.const 3  i64.shr_u  local.get $next  i64.const 61  i64.shl  i64.or  local.get $off3  i64.or  i64.and
    local.set $f
    local.get $cand  local.get $f  i64.and  local.set $cand

    block $runsDone  loop $runs
      local.get $cand  i64.eqz  br_if $runsDone
      local.get $cand  i64.ctz  local.set $x
      local.get $cand  local.get $cand  i64.const 1  i64.sub  i64.and  local.set $cand
      local.get $j  i32.const 6  i32.shl  local.get $x  i32.wrap_i64  i32.add  local.set $pos
      ;; the run ends at the first clear bit from pos on (the zeroed block guarantees one)
      local.get $w  i64.const -1  i64.xor  i64.const -1  local.get $x  i64.shl  i64.and  local.set $x
      local.get $j  local.set $jj
      block $found  loop $seek
        local.get $x  i64.eqz  i32.eqz  br_if $found
        local.get $jj  i32.const 1  i32.add  local.set $jj
        local.get $bitmap  local.get $jj  i32.const 3  i32.shl  i32.add  i64.load  i64.const -1  i64.xor  local.set $x
        br $seek
      end  end
      local.get $jj  i32.const 6  i32.shl  local.get $x  i64.ctz  i32.wrap_i64  i32.add  local.set $stop
      ;; a run reaching the end is the caller's (it reads on); a short one is not a string
      local.get $stop  local.get $n  i32.ge_u  br_if $runs
      local.get $stop  local.get $pos  i32.sub  local.get $min  i32.lt_u  br_if $runs

      ;; ADDRESS: the digits above bit 20 change once per MiB, so they are cached
      local.get $base64  local.get $pos  i64.extend_i32_u  i64.add  local.tee $address
      i64.const 20  i64.shr_u  local.tee $hi  global.get $cachedHi  i64.ne
      if
        local.get $hi  global.set $cachedHi
        i32.const 0
        i32.const 67  local.get $hi  i64.clz  i32.wrap_i64  i32.sub  i32.const 2  i32.shr_u
        local.get $hi  i64.eqz  select
        global.set $hiLength
        global.get $hiLength  local.set $k
        block $hiDone  loop $hiDigit
          local.get $k  i32.eqz  br_if $hiDone
          local.get $k  i32.const 1  i32.sub  local.tee $k
          local.get $hi  i32.wrap_i64  i32.const 15  i32.and  i32.load8_u offset=${HEX}
          i32.store8 offset=${HI_DIGITS}
          local.get $hi  i64.const 4  i64.shr_u  local.set $hi
          br $hiDigit
        end  end
      end
      local.get $o  i32.const 0  v128.load offset=${HI_DIGITS}  v128.store
      local.get $address  i32.wrap_i64  i32.const 0xfffff  i32.and  local.set $lo
      global.get $hiLength
      if
        ;; under a prefix, always five digits: one, then two pairs from the table
        local.get $o  global.get $hiLength  i32.add  local.tee $o
        local.get $lo  i32.const 16  i32.shr_u  i32.load8_u offset=${HEX}
        i32.store8
        local.get $o
        local.get $lo  i32.const 7  i32.shr_u  i32.const 0x1fe  i32.and  i32.load16_u offset=${HEX_PAIRS}
        local.get $lo  i32.const 0xff  i32.and  i32.const 1  i32.shl  i32.load16_u offset=${HEX_PAIRS}
        i32.const 16  i32.shl  i32.or
        i32.store offset=1
        local.get $o  i32.const 5  i32.add  local.set $o
      else
        ;; below 1 MiB: as many digits as the value needs (at least one)
        i32.const 35  local.get $lo  i32.clz  i32.sub  i32.const 2  i32.shr_u  i32.const 1  local.get $lo  select
        local.get $o  i32.add  local.tee $k  local.set $digitsEnd
        loop $loDigit
          local.get $k  i32.const 1  i32.sub  local.tee $k
          local.get $lo  i32.const 15  i32.and  i32.load8_u offset=${HEX}
          i32.store8
          local.get $lo  i32.const 4  i32.shr_u  local.set $lo
          local.get $k  local.get $o  i32.gt_u  br_if $loDigit
        end
        local.get $digitsEnd  local.set $o
      end

      ;; LABEL (" heap "), 16 bytes at a time
      i32.const 0  local.set $k
      loop $labelCopy
        local.get $o  local.get $k  i32.add  local.get $label  local.get $k  i32.add  v128.load  v128.store
        local.get $k  i32.const 16  i32.add  local.tee $k  local.get $labelLength  i32.lt_u  br_if $labelCopy
      end
      local.get $o  local.get $labelLength  i32.add  local.set $o

      ;; TEXT, 16 bytes at a time; if a tab was among the bytes copied, again with "\t" for it
      local.get $in  local.get $pos  i32.add  local.tee $src  local.set $from
      local.get $in  local.get $stop  i32.add  local.set $end
      local.get $o  local.set $k
      i32.const 0  i8x16.splat  local.set $t
      loop $textCopy
        local.get $k  local.get $src  v128.load  local.tee $v  v128.store
        local.get $t  local.get $v  local.get $c09  i8x16.eq  v128.or  local.set $t
        local.get $k  i32.const 16  i32.add  local.set $k
        local.get $src  i32.const 16  i32.add  local.tee $src  local.get $end  i32.lt_u  br_if $textCopy
      end
      local.get $t  v128.any_true
      if
        local.get $from  local.set $src
        loop $escape
          local.get $src  i32.load8_u  local.tee $t32  i32.const 9  i32.eq
          if
            local.get $o  i32.const 0x745c  i32.store16
            local.get $o  i32.const 2  i32.add  local.set $o
          else
            local.get $o  local.get $t32  i32.store8
            local.get $o  i32.const 1  i32.add  local.set $o
          end
          local.get $src  i32.const 1  i32.add  local.tee $src  local.get $end  i32.lt_u  br_if $escape
        end
      else
        local.get $o  local.get $stop  local.get $pos  i32.sub  i32.add  local.set $o
      end
      local.get $o  i32.const 10  i32.store8
      local.get $o  i32.const 1  i32.add  local.set $o
      local.get $lines  i32.const 1  i32.add  local.set $lines
      br $runs
    end  end

    local.get $j  i32.const 1  i32.add  local.set $j
    br $walk
  end  end

  ;; a run reaching the end of the input: report where it starts, unless it started before the span
  i32.const ${RESULT_TAIL}  i32.const -1  i32.store
  local.get $n
  if
    local.get $n  i32.const 1  i32.sub  local.tee $pos  i32.const 6  i32.shr_u  local.set $jj
    local.get $bitmap  local.get $jj  i32.const 3  i32.shl  i32.add  i64.load  local.tee $w
    local.get $pos  i64.extend_i32_u  i64.shr_u  i64.const 1  i64.and  i32.wrap_i64
    if
      ;; clear bits below pos in this word, then in the words before
      local.get $w  i64.const -1  i64.xor  i64.const 1  local.get $pos  i64.extend_i32_u  i64.shl  i64.const 1  i64.sub  i64.and  local.set $x
      block $startFound  loop $back
        local.get $x  i64.eqz  i32.eqz  br_if $startFound
        local.get $jj  i32.eqz  br_if $startFound
        local.get $jj  i32.const 1  i32.sub  local.set $jj
        local.get $bitmap  local.get $jj  i32.const 3  i32.shl  i32.add  i64.load  i64.const -1  i64.xor  local.set $x
        br $back
      end  end
      local.get $jj  i32.const 6  i32.shl  i32.const 64  i32.add  local.get $x  i64.clz  i32.wrap_i64  i32.sub
      i32.const 0
      local.get $x  i64.eqz  i32.eqz  select
      local.tee $pos
      local.get $peek  i32.eqz  i32.or
      if
        i32.const ${RESULT_TAIL}  local.get $pos  i32.store
      end
    end
  end
  i32.const ${RESULT_LINES}  local.get $lines  i32.store
  local.get $o
`;

const PARAMS = [
  ["in", "i32"],
  ["n", "i32"],
  ["peek", "i32"],
  ["min", "i32"],
  ["base", "f64"],
  ["label", "i32"],
  ["labelLength", "i32"],
  ["bitmap", "i32"],
  ["out", "i32"],
];
const LOCALS = [
  ["pad", "i32"],
  ["k", "i32"],
  ["j", "i32"],
  ["jj", "i32"],
  ["words", "i32"],
  ["pos", "i32"],
  ["stop", "i32"],
  ["o", "i32"],
  ["lo", "i32"],
  ["digitsEnd", "i32"],
  ["src", "i32"],
  ["end", "i32"],
  ["lines", "i32"],
  ["from", "i32"],

  ["t32", "i32"],
  ["w", "i64"],
  ["next", "i64"],
  ["cand", "i64"],
  ["carry", "i64"],
  ["notStart", "i64"],
  ["f", "i64"],
  ["off1", "i64"],
  ["off2", "i64"],
  ["off3", "i64"],
  ["x", "i64"],
  ["address", "i64"],
  ["hi", "i64"],
  ["base64", "i64"],
  ["v", "v128"],
  ["t", "v128"],
  ["c20", "v128"],
  ["c5f", "v128"],
  ["c09", "v128"],
];
const GLOBALS = [
  ["cachedHi", "i64", -1n],
  ["hiLength", "i32", 0],
];

// ---- assembler ----

const TYPE = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };
// name → [opcode bytes, immediate kind]; kinds: local, global, label, block, mem (natural alignment log2), i32, i64
const OPS = {
  block: [[0x02], "block"],
  loop: [[0x03], "block"],
  if: [[0x04], "block"],
  else: [[0x05]],
  end: [[0x0b]],
  br: [[0x0c], "label"],
  br_if: [[0x0d], "label"],
  select: [[0x1b]],
  "local.get": [[0x20], "local"],
  "local.set": [[0x21], "local"],
  "local.tee": [[0x22], "local"],
  "global.get": [[0x23], "global"],
  "global.set": [[0x24], "global"],
  "i32.load": [[0x28], "mem", 2],
  "i64.load": [[0x29], "mem", 3],
  "i32.load8_u": [[0x2d], "mem", 0],
  "i32.load16_u": [[0x2f], "mem", 1],
  "i32.store": [[0x36], "mem", 2],
  "i64.store": [[0x37], "mem", 3],
  "i32.store8": [[0x3a], "mem", 0],
  "i32.store16": [[0x3b], "mem", 1],
  "i32.const": [[0x41], "i32"],
  "i64.const": [[0x42], "i64"],
  "i32.eqz": [[0x45]],
  "i32.eq": [[0x46]],
  "i32.ne": [[0x47]],
  "i32.lt_u": [[0x49]],
  "i32.gt_u": [[0x4b]],
  "i32.ge_u": [[0x4f]],
  "i64.eqz": [[0x50]],
  "i64.ne": [[0x52]],
  "i32.clz": [[0x67]],
  "i32.add": [[0x6a]],
  "i32.sub": [[0x6b]],
  "i32.and": [[0x71]],
  "i32.or": [[0x72]],
  "i32.shl": [[0x74]],
  "i32.shr_u": [[0x76]],
  "i64.clz": [[0x79]],
  "i64.ctz": [[0x7a]],
  "i64.add": [[0x7c]],
  "i64.sub": [[0x7d]],
  "i64.and": [[0x83]],
  "i64.or": [[0x84]],
  "i64.xor": [[0x85]],
  "i64.shl": [[0x86]],
  "i64.shr_u": [[0x88]],
  "i32.wrap_i64": [[0xa7]],
  "i64.extend_i32_u": [[0xad]],
  "i64.trunc_sat_f64_u": [[0xfc, 0x07]],
  "v128.load": [[0xfd, 0x00], "mem", 0],
  "v128.store": [[0xfd, 0x0b], "mem", 0],
  "i8x16.splat": [[0xfd, 0x0f]],
  "i8x16.eq": [[0xfd, 0x23]],
  "i8x16.lt_u": [[0xfd, 0x26]],
  "v128.or": [[0xfd, 0x50]],
  "v128.any_true": [[0xfd, 0x53]],
  "i8x16.bitmask": [[0xfd, 0x64]],
  "i8x16.sub": [[0xfd, 0x71]],
};

function uleb(value) {
  const out = [];
  let v = BigInt(value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

function sleb(value) {
  const out = [];
  let v = BigInt(value);
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const vector = (items) => [...uleb(items.length), ...items.flat()];
const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes];
const name = (text) => vector([...Buffer.from(text)]);

/** Assembles flat WAT into a function body's instruction bytes. */
function assemble(source, locals, globals) {
  const tokens = source
    .replace(/;;.*$/gm, "")
    .split(/\s+/)
    .filter((t) => t !== "");
  const code = [];
  const labels = []; // innermost last; null for an unnamed block
  const local = (token) => {
    const index = locals.indexOf(token.replace(/^\$/, ""));
    if (!token.startsWith("$") || index < 0) throw new Error(`gen-strings-wasm: unknown local ${token}`);
    return uleb(index);
  };
  for (let i = 0; i < tokens.length; i++) {
    const op = tokens[i];
    const spec = OPS[op];
    if (!spec) throw new Error(`gen-strings-wasm: unknown instruction "${op}" (token ${i})`);
    const [bytes, kind, align] = spec;
    code.push(...bytes.slice(0, 1), ...bytes.slice(1).flatMap((b) => uleb(b)));
    if (op === "end") labels.pop();
    if (op === "else") continue;
    switch (kind) {
      case "block": {
        const label = tokens[i + 1]?.startsWith("$") ? tokens[++i] : null;
        labels.push(label);
        code.push(0x40);
        break;
      }
      case "label": {
        const depth = labels.lastIndexOf(tokens[++i]);
        if (depth < 0) throw new Error(`gen-strings-wasm: unknown label ${tokens[i]}`);
        code.push(...uleb(labels.length - 1 - depth));
        break;
      }
      case "local":
        code.push(...local(tokens[++i]));
        break;
      case "global": {
        const index = globals.indexOf(tokens[++i].replace(/^\$/, ""));
        if (index < 0) throw new Error(`gen-strings-wasm: unknown global ${tokens[i]}`);
        code.push(...uleb(index));
        break;
      }
      case "mem": {
        let offset = 0;
        if (tokens[i + 1]?.startsWith("offset=")) offset = Number(tokens[++i].slice(7));
        code.push(...uleb(align), ...uleb(offset));
        break;
      }
      case "i32":
      case "i64":
        code.push(...sleb(BigInt(Number(tokens[++i]))));
        break;
    }
  }
  if (labels.length !== 0) throw new Error("gen-strings-wasm: unbalanced block/end");
  return code;
}

function module() {
  const localNames = [...PARAMS, ...LOCALS].map(([n]) => n);
  const body = assemble(
    SCAN,
    localNames,
    GLOBALS.map(([n]) => n),
  );
  const scanType = [0x60, ...vector(PARAMS.map(([, t]) => [TYPE[t]])), ...vector([[TYPE.i32]])];
  // Locals are declared one group per entry: (count 1, type).
  const functionBody = [...vector(LOCALS.map(([, t]) => [1, TYPE[t]])), ...body, 0x0b];
  const globals = GLOBALS.map(([, t, init]) => [TYPE[t], 1, t === "i64" ? 0x42 : 0x41, ...sleb(init), 0x0b]);
  const digits = "0123456789abcdef";
  const hex = [...Buffer.from(digits)];
  const pairs = [...Buffer.from(Array.from({ length: 256 }, (_, b) => digits[b >> 4] + digits[b & 15]).join(""))];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([scanType])),
    ...section(3, vector([[0]])),
    ...section(5, vector([[0x00, 1]])),
    ...section(6, vector(globals)),
    ...section(
      7,
      vector([
        [...name("memory"), 0x02, 0],
        [...name("scan"), 0x00, 0],
      ]),
    ),
    ...section(10, vector([[...uleb(functionBody.length), ...functionBody]])),
    ...section(
      11,
      vector([
        [0x00, 0x41, ...sleb(HEX), 0x0b, ...vector(hex)],
        [0x00, 0x41, ...sleb(HEX_PAIRS), 0x0b, ...vector(pairs)],
      ]),
    ),
  ]);
}

const bytes = module();
if (!WebAssembly.validate(bytes)) {
  new WebAssembly.Module(bytes); // throws with the reason
  throw new Error("gen-strings-wasm: module does not validate");
}
const base64 = Buffer.from(bytes).toString("base64");
const text = `/**
 * The WebAssembly module behind \`procscope strings\` (${bytes.length} bytes), generated by
 * scripts/gen-strings-wasm.mjs from the scan written there in WebAssembly text. Do not edit by hand.
 */
/** Offsets in the module's memory: lines written, the start of a run reaching the end (or -1). */
export const RESULT_LINES = ${RESULT_LINES};
export const RESULT_TAIL = ${RESULT_TAIL};
/** The first byte the caller may lay out. */
export const LAYOUT_END = ${LAYOUT_END};
export const STRINGS_WASM =
  "${base64}";
`;
if (process.argv.includes("--check")) {
  if (fs.readFileSync(OUT, "utf8") !== text) {
    console.error(`${path.relative(process.cwd(), OUT)} is stale: run node scripts/gen-strings-wasm.mjs`);
    process.exit(1);
  }
} else {
  fs.writeFileSync(OUT, text);
  console.log(`${path.relative(process.cwd(), OUT)}: ${bytes.length} bytes`);
}
