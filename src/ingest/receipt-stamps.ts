/**
 * Times for messages that carry none. Records are keyed by (data source, time) and a message that
 * repeats a stored time merges into that record (right for a device's redelivery); two messages the
 * hub received in the same millisecond are distinct, so each data source's hub-stamped times strictly
 * increase: a stamp that would repeat or precede the last one is moved one millisecond past it.
 */
export class ReceiptStamps {
  private readonly last = new Map<string, number>();

  /** The time to store a message of `dataSourceId` without a timestamp under, received at `receivedAt`. */
  stamp(dataSourceId: string, receivedAt: number): number {
    const previous = this.last.get(dataSourceId);
    const stamp = previous !== undefined && previous >= receivedAt ? previous + 1 : receivedAt;
    this.last.set(dataSourceId, stamp);
    return stamp;
  }
}
