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
  /** A UUID (version 4 layout) from the seeded stream. */
  uuid(): string;
}

export function createDice(seed: number): Dice {
  const next = mix(seed);
  return {
    next,
    keyed: (key) => mix(hash(key, seed))(),
    uuid: () => {
      const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16));
      hex[12] = '4';
      hex[16] = (Math.floor(next() * 4) + 8).toString(16);
      const s = hex.join('');
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
    },
  };
}
