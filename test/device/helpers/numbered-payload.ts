/** A reading payload of realistic size (about 330 bytes) that carries its number, for queue tests. */
export function payloadNumber(n: number): string {
  return JSON.stringify({ n, pad: "x".repeat(300) });
}
