/**
 * /proc/PID/oom_score and /proc/PID/oom_score_adj — proc(5), "/proc/pid/oom_score",
 * "/proc/pid/oom_score_adj".
 * One decimal number and a newline each. Since Linux 5.9 oom_score is (1000 + badness in per mille of RAM+swap) * 2 / 3, so
 * 0..1333 (the kernel comment says 0..2000) and a small process with adj 0 shows 666; before 5.9 it
 * was 0..1000. oom_score_adj is the user's bias, -1000 (never kill) to +1000.
 */
import { ParseError } from "../../errors.js";

/** OOM_SCORE_ADJ_MIN: the process is never chosen by the OOM killer. */
export const OOM_SCORE_ADJ_MIN = -1000;
/** OOM_SCORE_ADJ_MAX: the process is always chosen first. */
export const OOM_SCORE_ADJ_MAX = 1000;

/** parsePidOomScore("666\n") === 666 */
export function parsePidOomScore(text: string): number {
  const match = /^(\d+)\n?$/.exec(text);
  if (!match) throw new ParseError("expected an unsigned decimal number", text, 1);
  const score = Number(match[1]);
  if (!Number.isSafeInteger(score)) throw new ParseError("the score is too large", text, 1);
  return score;
}

/** parsePidOomScoreAdj("-1000\n") === -1000 */
export function parsePidOomScoreAdj(text: string): number {
  const match = /^(-?\d+)\n?$/.exec(text);
  if (!match) throw new ParseError("expected a decimal number", text, 1);
  const adj = Number(match[1]);
  if (adj < OOM_SCORE_ADJ_MIN || adj > OOM_SCORE_ADJ_MAX) {
    throw new ParseError(`expected a number from ${OOM_SCORE_ADJ_MIN} to ${OOM_SCORE_ADJ_MAX}`, text, 1);
  }
  return adj;
}
