/** The shared subscription every hub instance joins: the broker hands each device message to one member. */
export const SHARED_DATA_SUBSCRIPTION = "$share/aiida-hub/aiida/+/data";

/** The data source id in a device data topic `aiida/<id>/data`, or undefined for any other topic. */
export function dataSourceIdOfTopic(topic: string): string | undefined {
  const levels = topic.split("/");
  if (levels.length !== 3 || levels[0] !== "aiida" || levels[2] !== "data") return undefined;
  const id = levels[1] as string;
  return id === "" ? undefined : id;
}
