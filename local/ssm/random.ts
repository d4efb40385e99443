/**
 * Deterministic dice for fault injection: a seeded stream for call-order faults (throttling) and a
 * keyed roll for event faults, so that whether an event is lost does not depend on timer order.
 */

function mix(seed: number): () => number {
  let state = seed >>> 0;
  // mulberry32: small, fast and good enough to spread fault decisions.
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function hash(text: string, seed: number): number {
  let h = (2_166_136_261 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 16_777_619) >>> 0;
  }
  return h;
}

export interface Dice {
  /** Next value in [0, 1) of the seeded stream. */
  next(): number;
  /** A value in [0, 1) that depends only on the seed and `key`. */
  keyed(key: string): number;
}

export function createDice(seed: number): Dice {
  const next = mix(seed);
  return {
    next,
    keyed: (key) => mix(hash(key, seed))(),
  };
}
