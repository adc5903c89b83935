import { messageOf } from "./api.ts";
import { h } from "./dom.ts";
import { toast } from "./toast.ts";

/** A button that runs `run` once at a time (disabled meanwhile) and shows its failure as a toast. */
export function actionButton(label: string, run: () => Promise<void>, cls = ""): HTMLButtonElement {
  const b = h("button", { type: "button", class: cls }, label) as HTMLButtonElement;
  b.addEventListener("click", async () => {
    b.disabled = true;
    try {
      await run();
    } catch (err) {
      toast(messageOf(err), "error");
    } finally {
      b.disabled = false;
    }
  });
  return b;
}
