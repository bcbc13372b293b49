/**
 * The order in which the local workflow's executions record their decisions: the order they
 * were started, but only where it matters. An execution declares what its decision touches (its
 * footprint: the duplicate claims, the document, the PO's billed quantities and the vendor's
 * spend ledger it read or writes, `decisionFootprint`). It may record its bill once every
 * execution started before it has either recorded its bills or declared a footprint that shares
 * nothing with its own. Two decisions that share nothing commute: recorded in either order, each
 * reads what it would have read one after the other, and its commit is conditional on those very
 * versions. So the outcome is the one-after-another outcome, and bills of different vendors are
 * recorded side by side.
 *
 * An execution that declares nothing (a review, a document of several bills, a failure) is
 * waited for by every later one, and waits for every earlier one: the plain order.
 */
export class DecisionOrder {
  /** Places not yet released, in the order taken. */
  private readonly open: Place[] = [];
  private taken = 0;
  private readonly waiters = new Set<() => void>();

  /** A place at the end of the line, taken when the execution starts. */
  take(): DecisionPlace {
    const place: Place = { seq: this.taken++, footprint: null, done: false };
    this.open.push(place);
    return {
      declare: (footprint) => {
        if (place.done || place.footprint) return;
        place.footprint = new Set(footprint);
        this.changed();
      },
      ready: (footprint) => this.ready(place, footprint === null ? null : new Set(footprint)),
      release: () => {
        if (place.done) return;
        place.done = true;
        this.open.splice(this.open.indexOf(place), 1);
        this.changed();
      },
    };
  }

  private ready(place: Place, footprint: ReadonlySet<string> | null): Promise<boolean> {
    let overlapped = false;
    const blocked = (): boolean => {
      for (const earlier of this.open) {
        if (earlier.seq >= place.seq) return false;
        if (footprint === null || earlier.footprint === null) return true;
        if (shares(earlier.footprint, footprint)) return (overlapped = true);
      }
      return false;
    };
    if (!blocked()) return Promise.resolve(overlapped);
    return new Promise((resolve) => {
      const check = () => {
        if (blocked()) return;
        this.waiters.delete(check);
        resolve(overlapped);
      };
      this.waiters.add(check);
    });
  }

  private changed(): void {
    for (const check of [...this.waiters]) check();
  }
}

/** An execution's place in the order of decisions. */
export interface DecisionPlace {
  /** What this execution's decisions touch (every bill of it): later executions that share nothing with it need not wait. */
  declare(footprint: Iterable<string>): void;
  /**
   * Resolves once every earlier execution has recorded its bills or declared a footprint that
   * shares nothing with `footprint` (null: every earlier execution has recorded its bills). True
   * when an earlier execution that shares some of it was waited for: what was read ahead may
   * have changed since.
   */
  ready(footprint: Iterable<string> | null): Promise<boolean>;
  /** This execution's bills are recorded (or it ended): no later one waits for it any more. */
  release(): void;
}

interface Place {
  readonly seq: number;
  footprint: ReadonlySet<string> | null;
  done: boolean;
}

function shares(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const k of small) if (large.has(k)) return true;
  return false;
}
