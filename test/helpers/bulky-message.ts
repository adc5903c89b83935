/**
 * A CIM message that is stored and whose feedback report is about 60 KB (100 ignored fields with long
 * names): what fills a live stream fast. `i` makes each one's timestamp distinct.
 */
export function bulkyMessage(i: number): string {
  const message: Record<string, unknown> = {
    "dateAndOrTime.dateTime": new Date(Date.now() - 60_000 + i).toISOString(),
    Quantity: [{ quantity: i, type: "2" }],
  };
  for (let f = 0; f < 100; f++) message[`${"x".repeat(580)}${f}`] = 0;
  return JSON.stringify(message);
}
