/** Whether the page can reach the hub, from the outcome of every API call. */
type ContactListener = (lostSince: Date | undefined) => void;

let lostSince: Date | undefined;
const listeners: ContactListener[] = [];

/** Called by the API client after each call: `reached` is false when no answer came (or a gateway error). */
export function reportContact(reached: boolean): void {
  if (reached === (lostSince === undefined)) return;
  lostSince = reached ? undefined : new Date();
  for (const listener of listeners) listener(lostSince);
}

/** Calls `listener` whenever contact with the hub is lost or comes back. */
export function onContactChange(listener: ContactListener): void {
  listeners.push(listener);
}
