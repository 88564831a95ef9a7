// Two small list helpers the cluster model's indexes share (no copies: they run per bind/unbind).

/** Appends `value` to the list under `key`, creating it. */
export function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Removes every item matching `predicate`, in place. */
export function removeWhere<T>(list: T[], predicate: (item: T) => boolean): void {
  let write = 0;
  for (const item of list) if (!predicate(item)) list[write++] = item;
  list.length = write;
}
