import type { Page } from "playwright-core";

/** A CIM message as a meter sends it: device timestamp, total import (type 0) and import power (type 2). */
export function cimMessage(at: number, totalKwh: number, powerKw: number): string {
  return JSON.stringify({
    version: "1.0",
    "dateAndOrTime.dateTime": new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z"),
    Quantity: [
      { quantity: totalKwh, type: "0", quality: "AS_PROVIDED" },
      { quantity: powerKw, type: "2", quality: "AS_PROVIDED" },
    ],
  });
}

/**
 * Counts the pixels of a chart canvas drawn in the first series colour (#2f6fde), so a test can tell
 * a drawn line from an empty chart. Runs in the page; passed as a string because the test code has no
 * DOM types.
 */
export function countSeriesPixels(page: Page, canvasSelector: string): Promise<number> {
  return page.evaluate(`(() => {
    const canvas = document.querySelector(${JSON.stringify(canvasSelector)});
    if (!canvas) return 0;
    const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - 47) < 24 && Math.abs(data[i + 1] - 111) < 24 && Math.abs(data[i + 2] - 222) < 24 && data[i + 3] > 200) n++;
    }
    return n;
  })()`);
}
