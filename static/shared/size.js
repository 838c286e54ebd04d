// How both front ends label an attachment's size.

/** 20 -> "20 B", 1536 -> "2 KB", 5505024 -> "5.3 MB"; "" for no usable size. */
export function fileSize(bytes) {
  if (typeof bytes !== "number" || !Number.isFinite(bytes) || bytes < 0) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** "invoice.pdf (20 B)", or the bare name when the size is unknown. */
export function withSize(name, bytes) {
  const size = fileSize(bytes);
  return size ? `${name} (${size})` : name;
}
