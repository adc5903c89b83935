import type { ModbusField } from "./profile-schema.ts";

/** A run of consecutive registers fetched with one read request. */
export interface RegisterBlock {
  readonly start: number;
  readonly count: number;
}

/** Registers a data type occupies. */
export function registerCount(dataType: ModbusField["dataType"]): number {
  return dataType === "uint16" || dataType === "int16" ? 1 : 2;
}

/**
 * Groups the fields' registers into as few read requests as possible: neighbours join when the gap of
 * unused registers is at most `maxGap` and the block stays within `maxPerRead` registers.
 */
export function planRegisterBlocks(
  fields: readonly ModbusField[],
  maxPerRead: number,
  maxGap: number,
): RegisterBlock[] {
  const spans = fields
    .map((f) => ({ start: f.address, end: f.address + registerCount(f.dataType) }))
    .sort((a, b) => a.start - b.start);
  const blocks: { start: number; end: number }[] = [];
  for (const span of spans) {
    const last = blocks.at(-1);
    if (
      last !== undefined &&
      span.start - last.end <= maxGap &&
      Math.max(last.end, span.end) - last.start <= maxPerRead
    ) {
      last.end = Math.max(last.end, span.end);
    } else {
      blocks.push({ ...span });
    }
  }
  return blocks.map((b) => ({ start: b.start, count: b.end - b.start }));
}

/** Decodes one field from 16-bit register words (high word first for 32-bit values). */
export function decodeRegisters(words: readonly number[], dataType: ModbusField["dataType"]): number {
  const high = words[0];
  const low = words[1];
  if (high === undefined) throw new RangeError("no register value");
  switch (dataType) {
    case "uint16":
      return high & 0xffff;
    case "int16":
      return ((high & 0xffff) << 16) >> 16;
    case "uint32":
    case "int32": {
      if (low === undefined) throw new RangeError("a 32-bit value needs two registers");
      const unsigned = (high & 0xffff) * 0x10000 + (low & 0xffff);
      return dataType === "int32" && unsigned >= 0x80000000 ? unsigned - 0x100000000 : unsigned;
    }
  }
}

/** Register words of all blocks, addressable by register number. */
export class RegisterImage {
  readonly #words = new Map<number, number>();

  /** Records the words a block read returned. */
  put(block: RegisterBlock, words: readonly number[]): void {
    words.forEach((word, offset) => {
      this.#words.set(block.start + offset, word);
    });
  }

  /** The raw number of one field; throws when its registers were not read. */
  valueOf(field: ModbusField): number {
    const words: number[] = [];
    for (let i = 0; i < registerCount(field.dataType); i++) {
      const word = this.#words.get(field.address + i);
      if (word === undefined) throw new RangeError(`register ${field.address + i} was not read`);
      words.push(word);
    }
    return decodeRegisters(words, field.dataType);
  }
}
