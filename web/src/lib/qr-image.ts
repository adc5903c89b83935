import jsQR from "jsqr";
import { t } from "../i18n/i18n.ts";

/** Larger photos are scaled down to this many pixels on their long side before decoding (fast, still sharp). */
const MAX_SIDE = 1600;

/**
 * Reads the text of the QR code in an image file, entirely in the browser: the image is drawn to a
 * canvas and its pixels handed to jsQR. Rejects with a message a user can act on.
 */
export async function decodeQrImage(file: Blob): Promise<string> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(t("qr.notImage"));
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (!context) throw new Error(t("qr.noCanvas"));
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const { data } = context.getImageData(0, 0, width, height);
  const found = jsQR(data, width, height, { inversionAttempts: "attemptBoth" });
  if (!found || found.data.trim() === "") throw new Error(t("qr.notFound"));
  return found.data.trim();
}
