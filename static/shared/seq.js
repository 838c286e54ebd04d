// Messages by seq (docs/protocol.md "Delivery"), for both front ends: duplicates
// dropped, order by seq whatever the order of arrival, and the one number a
// client resumes from: `contiguous`, the highest seq below which nothing is
// missing. No DOM and no network here.

/**
 * A ticket's messages as one reader holds them: a run floor..contiguous without
 * a hole, grown downwards by older pages and upwards by live frames and gap fills.
 * A seq the reader may not see (an internal note, for a visitor) is skipped once
 * something proves it is not a loss.
 */
export class SeqLog {
  constructor() {
    this.messages = new Map(); // seq -> message
    this.floor = 1;
    this.contiguous = 0;
  }

  get maxSeq() {
    let max = 0;
    for (const seq of this.messages.keys()) if (seq > max) max = seq;
    return max;
  }

  /** Forget everything: what comes next is read from scratch. */
  clear() {
    this.messages.clear();
    this.floor = 1;
    this.contiguous = 0;
  }

  /** Hold from `seq` on (a newest page that starts there). */
  startAt(seq) {
    this.floor = Math.max(1, seq);
    this.contiguous = Math.max(this.contiguous, this.floor - 1);
    this.extend();
  }

  /**
   * Hold a message; true if its seq was new. `prevSeq` (message.new's prev_seq)
   * is the previous seq this reader may see: when it is held, the seqs between
   * were never ours, so they are no gap.
   */
  add(message, prevSeq) {
    if (!Number.isInteger(message?.seq) || message.seq < 1) return false;
    const isNew = !this.messages.has(message.seq);
    this.messages.set(message.seq, message);
    if (Number.isInteger(prevSeq) && prevSeq <= this.contiguous) this.contiguous = Math.max(this.contiguous, message.seq);
    while (this.messages.has(this.floor - 1)) this.floor -= 1;
    this.extend();
    return isNew;
  }

  /** Every seq up to `seq` not held is known not to be ours. */
  skipTo(seq) {
    if (seq > this.contiguous) this.contiguous = seq;
    this.extend();
  }

  extend() {
    while (this.messages.has(this.contiguous + 1)) this.contiguous += 1;
  }

  /** Is a seq missing below `upTo` (by default, below the highest held)? */
  hasGap(upTo = this.maxSeq) {
    return this.contiguous < upTo;
  }

  /** The held messages, in seq order. */
  ordered() {
    return [...this.messages.values()].sort((a, b) => a.seq - b.seq);
  }
}

/**
 * Fill the log from what it holds up to the server's newest: `fetchPage(after)`
 * answers {messages, last_seq} with up to `pageSize` messages after `after`, in
 * order. A page holds every message the reader may see after `after`, so seqs
 * below its top (or, for a short page, below last_seq) that are absent are
 * skipped. `stale()` true after a page: stop, the answer is no longer wanted.
 * Returns false when stopped so.
 */
export async function fillGap(log, fetchPage, pageSize, { stale = () => false, onMessage = () => {} } = {}) {
  for (;;) {
    const after = log.contiguous;
    const page = await fetchPage(after);
    if (stale()) return false;
    let top = after;
    for (const message of page.messages) {
      log.add(message);
      onMessage(message);
      top = Math.max(top, message.seq);
    }
    const full = page.messages.length >= pageSize;
    log.skipTo(full ? top : Math.max(top, page.last_seq ?? 0));
    // A full page may have more behind it; one that moved nothing never will.
    if (!full || log.contiguous === after) return true;
  }
}

/**
 * pong's `tickets` (docs/protocol.md, "Delivery"): the server's last seq of each
 * ticket the socket watches, one this reader may see. A log below it missed a
 * message whose broadcast never came (the channel layer was down), and nothing
 * else will tell: return the ids whose `logOf(id)` (a SeqLog, or undefined for a
 * ticket not held here) should be filled.
 */
export function ticketsBehind(tickets, logOf) {
  const behind = [];
  for (const [key, last] of Object.entries(tickets ?? {})) {
    const id = Number(key);
    const log = logOf(id);
    if (log && Number.isInteger(last) && last > log.contiguous) behind.push(id);
  }
  return behind;
}
