import type { Prng } from './prng.js';

export const SMB_SESSION_ID_HIGH = [0x800, 0x803] as const;
export const FILE_ID_HIGH = [0x3f0, 0x7ff] as const;
export const UINT64_MAX = 0xffff_ffff_ffff_ffffn;

/** SMB session and file ids: unique 64-bit numbers of the size the SmbShare docs show (~4e12–9e12). */
export class IdSource {
  constructor(
    private readonly prng: Prng,
    private readonly used = new Set<bigint>()
  ) {}
  next([highMin, highMax]: readonly [number, number]): bigint {
    for (;;) {
      const high = BigInt(this.prng.int(highMin, highMax));
      const id = (high << 32n) | BigInt(this.prng.int(0, 0xffff_ffff));
      if (!this.used.has(id)) return this.claim(id);
    }
  }
  has(id: bigint): boolean {
    return this.used.has(id);
  }
  /** Draws from `prng` and shares the ids already used, so ids stay unique fleet-wide. */
  forked(prng: Prng): IdSource {
    return new IdSource(prng, this.used);
  }
  claim(id: bigint): bigint {
    this.used.add(id);
    return id;
  }
}
