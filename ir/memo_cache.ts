/**
 * A bounded memo table keyed by object identity, for pure functions of immutable IR nodes (structural
 * keys, simplified forms). Two generations of strong Maps: lookups promote entries from the older one,
 * and when the newer one fills up the older one is dropped. A WeakMap would be the obvious choice, but
 * its entries are ephemerons, and V8's marker processes ephemeron chains (a simplified node that is
 * itself a key, whose children are keys, ...) to a fixpoint: with the millions of entries a tuning
 * run's lowerings make, garbage collection came to dominate and one conv2d lowering went from 1 s to
 * over 60 s. Dropping entries is safe because every cached value is a pure function of its key.
 */
export class MemoCache<K extends object, V> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();

  /** @param generation entries per generation (at most twice this many are held) */
  constructor(private readonly generation = 1 << 17) {}

  get(k: K): V | undefined {
    const v = this.current.get(k);
    if (v !== undefined) return v;
    const old = this.previous.get(k);
    if (old !== undefined) this.set(k, old);
    return old;
  }

  set(k: K, v: V): void {
    if (this.current.size >= this.generation) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(k, v);
  }
}
