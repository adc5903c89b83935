import { type ClientRequest, request } from "node:http";

/** An open `GET /api/datasources/{id}/live` stream. */
export interface LiveStream {
  close(): void;
}

/**
 * Opens the hub's live stream of one data source and calls `onRecord` with each `event: record`'s
 * data source id and ISO timestamp. Resolves once the stream's first comment has arrived.
 */
export function openLiveStream(
  httpUrl: string,
  token: string,
  sourceId: string,
  onRecord: (dataSourceId: string, timestamp: string) => void,
): Promise<LiveStream> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest | undefined;
    const url = new URL(`/api/datasources/${sourceId}/live`, httpUrl);
    req = request(
      url,
      { headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" }, agent: false },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`live stream answered ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding("utf8");
        let buffer = "";
        let opened = false;
        res.on("data", (chunk: string) => {
          buffer += chunk;
          let end = buffer.indexOf("\n\n");
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (!opened) {
              opened = true;
              resolve({ close: () => req?.destroy() });
            }
            if (block.startsWith("event: record\n")) {
              const data = block.slice(block.indexOf("data: ") + 6);
              const r = JSON.parse(data) as { dataSourceId: string; timestamp: string };
              onRecord(r.dataSourceId, r.timestamp);
            }
            end = buffer.indexOf("\n\n");
          }
        });
        res.on("error", () => {});
      },
    );
    req.on("error", (err) => reject(err));
    req.end();
  });
}
